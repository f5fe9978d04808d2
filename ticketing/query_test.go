package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestInboxQuery checks the inbox's query on both engines: every sort key in both directions,
// free text in subject, description, contact, citizen's name and number (accents and case
// ignored, LIKE's wildcards taken literally), the filters, and paging with the total.
func TestInboxQuery(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 10, 5, 9, 0))
			niccolo := &Citizen{Name: "Niccolò Esposito"}
			if err := s.CreateCitizen(ctx, niccolo); err != nil {
				t.Fatal(err)
			}
			type spec struct {
				ch       Channel
				prio     Priority
				subject  string
				desc     string
				citizen  int64
				contact  Contact
				state    string
				assignee string
			}
			specs := []spec{
				{Phone, Normal, "Bollo auto", "Pagato due volte", niccolo.ID, Contact{}, "", ""},
				{Email, Urgent, "Perché la TARI è così alta?", "Città di Valdoria", 0, Contact{Name: "Anna Bianchi", Email: "anna@example.it"}, "take", "bo"},
				{Web, Low, "", "Sconto del 50% sulla tassa_rifiuti", 0, Contact{Email: "luca@example.it"}, "", ""},
				{Fax, High, "Esenzione ticket", "Reddito basso", 0, Contact{}, "solve", "bo"},
				{Phone, Normal, "Orari", "Orari dell'URP", 0, Contact{Phone: "0874 123456"}, "take", "mario"},
			}
			var made []*Ticket
			for _, sp := range specs {
				clock.Add(time.Hour)
				tk, err := s.Create(ctx, NewTicket{Channel: sp.ch, Priority: sp.prio, Subject: sp.subject, Description: sp.desc,
					CitizenID: sp.citizen, Contact: sp.contact, Actor: "mario", Role: AsOperator})
				if err != nil {
					t.Fatal(err)
				}
				switch sp.state {
				case "take":
					s.Take(ctx, tk.ID, sp.assignee, AsBackOffice)
				case "solve":
					s.SolveFirstLevel(ctx, tk.ID, sp.assignee, AsBackOffice, "esenzione per reddito")
				}
				made = append(made, tk)
			}
			now := clock.Now().Add(time.Hour)
			ids := func(p *Page) string {
				var out []string
				for _, r := range p.Rows {
					for i, m := range made {
						if m.ID == r.ID {
							out = append(out, fmt.Sprint(i))
						}
					}
				}
				return strings.Join(out, "")
			}
			for _, c := range []struct {
				q    Query
				want string
			}{
				{Query{}, "43210"},
				{Query{Sort: SortCreated}, "01234"},
				{Query{Sort: SortNumber, Desc: true}, "43210"},
				{Query{Sort: SortNumber}, "01234"},
				{Query{Sort: SortPriority, Desc: true}, "13402"},
				{Query{Sort: SortPriority}, "24031"}, // the same priority: newest first
				{Query{Sort: SortState}, "20413"},
				// Offline requests by their next deadline: web (not taken) before email (taken,
				// resolve deadline); then the rest — phone tickets have no deadlines, the fax is
				// solved.
				{Query{Sort: SortDeadline}, "21043"},
				{Query{Sort: SortModified, Desc: true}, "43210"},
				{Query{Text: "tari"}, "1"},
				{Query{Text: "PERCHE"}, "1"},
				{Query{Text: "citta valdoria"}, "1"},
				{Query{Text: "niccolo"}, "0"},
				{Query{Text: "NICCOLÒ esposito bollo"}, "0"},
				{Query{Text: "anna@example"}, "1"},
				{Query{Text: "+390874123456"}, "4"},
				{Query{Text: "50%"}, "2"},
				{Query{Text: "tassa_rifiuti"}, "2"},
				{Query{Text: "%"}, "2"},
				{Query{Text: "_"}, "2"},
				{Query{Text: made[3].Number}, "3"},
				{Query{Text: strings.ToLower(made[3].PublicRef)}, "3"},
				{Query{Text: "000003"}, "2"},
				{Query{Text: "niente del genere"}, ""},
				{Query{States: []State{StateInProgress}}, "41"},
				{Query{Channels: []Channel{Phone, Fax}}, "430"},
				{Query{Assignee: "bo"}, "31"},
				{Query{Unassigned: true}, "20"},
				{Query{CitizenID: niccolo.ID}, "0"},
				{Query{Since: made[2].Created, Until: made[4].Created}, "32"},
				{Query{PageSize: 2}, "43"},
				{Query{PageSize: 2, Page: 2}, "21"},
				{Query{PageSize: 2, Page: 3}, "0"},
				{Query{PageSize: 2, Page: 4}, ""},
			} {
				p, err := s.Search(ctx, c.q, now)
				if err != nil {
					t.Fatalf("%+v: %v", c.q, err)
				}
				if got := ids(p); got != c.want {
					t.Errorf("%+v: got %q, want %q", c.q, got, c.want)
				}
			}
			p, _ := s.Search(ctx, Query{PageSize: 2, Page: 2, Text: ""}, now)
			if p.Total != 5 || p.Pages != 3 || p.Page != 2 || p.PageSize != 2 {
				t.Fatalf("page = %+v", p)
			}
			if p, _ := s.Search(ctx, Query{Text: "orari", PageSize: 1}, now); p.Total != 1 || p.Rows[0].SLA.Overdue {
				t.Fatalf("page = %+v", p)
			}
			// Overdue on the page: the web request was not taken in 4 working hours.
			p, _ = s.Search(ctx, Query{Channels: []Channel{Web}}, romeTime(2026, 10, 6, 12, 0))
			if !p.Rows[0].SLA.Overdue {
				t.Fatalf("web row = %+v", p.Rows[0])
			}
			for _, c := range []struct {
				q     Query
				field string
			}{
				{Query{Sort: "colore"}, "sort"},
				{Query{PageSize: MaxPageSize + 1}, "pageSize"},
				{Query{PageSize: -1}, "pageSize"},
				{Query{States: []State{"boh"}}, "state"},
				{Query{Channels: []Channel{"piccione"}}, "channel"},
				{Query{Text: strings.Repeat("a", MaxQueryText+1)}, "text"},
				{Query{Text: "a b c d e f g h i"}, "text"},
			} {
				if _, err := s.Search(ctx, c.q, now); !errors.Is(err, ErrInvalid) || Fields(err)[c.field] == "" {
					t.Errorf("%+v: %v, want a message on %s", c.q, err, c.field)
				}
			}
		})
	}
}

// TestSearchTextOfOldTickets: tickets and citizens written before the search texts existed are
// found once the store is opened again.
func TestSearchTextOfOldTickets(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			c := &Citizen{Name: "Émile Zola"}
			s.CreateCitizen(ctx, c)
			tk, _ := s.Create(ctx, NewTicket{Channel: Phone, Subject: "Perché", CitizenID: c.ID})
			s.db.Exec(ctx, `UPDATE tk_tickets SET search = ''`)
			s.db.Exec(ctx, `UPDATE tk_citizens SET name_fold = ''`)
			if p, _ := s.Search(ctx, Query{Text: "perche"}, time.Now()); p.Total != 0 {
				t.Fatal("the test did not clear the search texts")
			}
			again, err := Open(ctx, s.db, Config{DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{"perche", "emile", tk.Number} {
				if p, _ := again.Search(ctx, Query{Text: text}, time.Now()); p.Total != 1 {
					t.Errorf("%q after the upgrade: %d", text, p.Total)
				}
			}
		})
	}
}
