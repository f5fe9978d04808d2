package accesslog

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"sportello/internal/sqldb/sqldbtest"
)

func TestTopAndRetention(t *testing.T) {
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			l, err := New(ctx, db, 30*24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			now := day(31)
			l.Now = func() time.Time { return now }
			for _, r := range []Read{
				{"p:a", "operatore", "operator", day(1)},
				{"p:b", "operatore", "operator", day(2)},
				{"p:b", "operatore", "operator", day(2)},
				{"p:b", "anna", "operator", day(3)},
				{"p:c", "anna", "operator", day(3)},
				{"p:c", "anna", "operator", day(20)},
				{"p:c", "anna", "operator", day(21)},
			} {
				if err := l.Record(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			if err := l.Record(ctx, Read{Pill: "p:a"}); err == nil {
				t.Error("a read without a user was recorded")
			}
			for _, tc := range []struct {
				from, to time.Time
				limit    int
				want     string
			}{
				{day(1), day(31), 0, "p:b 3/2, p:c 3/1, p:a 1/1"},
				{day(1), day(31), 2, "p:b 3/2, p:c 3/1"},
				{day(1), day(3), 0, "p:b 2/1, p:a 1/1"},
				{day(22), day(31), 0, ""},
			} {
				got, err := l.Top(ctx, tc.from, tc.to, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				var parts []string
				for _, c := range got {
					parts = append(parts, c.Pill+" "+itoa(c.Reads)+"/"+itoa(c.Readers))
				}
				if s := strings.Join(parts, ", "); s != tc.want {
					t.Errorf("Top(%s…%s, %d) = %q, want %q", tc.from.Format("02"), tc.to.Format("02"), tc.limit, s, tc.want)
				}
			}
			// Thirty days of retention on the 31st keep the reads from the 1st at 10:00 on.
			now = day(31).Add(time.Hour)
			n, err := l.Prune(ctx)
			if err != nil || n != 1 {
				t.Errorf("Prune = %d, %v; want 1", n, err)
			}
			got, _ := l.Top(ctx, day(1), day(31), 0)
			if len(got) != 2 {
				t.Errorf("after Prune: %+v", got)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
