package ticketing

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"

	"sportello/internal/sqldb"
)

// Feedback on the portal's pill pages (KB-10, TK-18): "Ti è stata utile?" — yes or no and an
// optional short comment. Nothing about who answered is kept (no address, no session, no
// time finer than the store's clock), and what looks like an e-mail address or a phone number
// in a comment is masked before it is stored: the comment is read by the publishers, and the
// form asks for no personal data. The pills that many readers found not useful join the
// knowledge gaps (FeedbackGaps), beside the requests solved without a pill.

// MaxFeedbackComment bounds the comment, in characters.
const MaxFeedbackComment = 500

// Feedback is one answer to "Ti è stata utile?".
type Feedback struct {
	Pill    string // the pill's IRI
	Useful  bool
	Comment string
}

// personalRE finds what looks like an e-mail address or a phone number (7 digits or more,
// separated by spaces, dots or dashes — not slashes: "L. 104/1992", "12/03/2025") in a comment.
var personalRE = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}.\-]+\.[\p{L}]{2,}|\+?\d[\d .\-]{5,}\d`)

// maskPersonal replaces e-mail addresses and phone numbers with a marker.
func maskPersonal(s string) string {
	return personalRE.ReplaceAllStringFunc(s, func(m string) string {
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if !strings.Contains(m, "@") && digits < 7 {
			return m // a date, an amount, a law's number
		}
		return "[dato rimosso]"
	})
}

// RecordFeedback stores one answer; a comment beyond MaxFeedbackComment is refused with an
// Italian message, control characters are dropped.
func (s *Store) RecordFeedback(ctx context.Context, f Feedback) error {
	if strings.TrimSpace(f.Pill) == "" {
		return invalid("pill", "scheda non indicata")
	}
	if err := checkText("comment", "il commento", f.Comment, MaxFeedbackComment); err != nil {
		return err
	}
	comment := strings.Map(func(r rune) rune {
		if r < ' ' && r != '\n' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(f.Comment))
	comment = maskPersonal(comment)
	useful := 0
	if f.Useful {
		useful = 1
	}
	_, err := s.db.Exec(ctx, `INSERT INTO tk_pill_feedback (pill, useful, comment, at) VALUES (?, ?, ?, ?)`,
		f.Pill, useful, comment, sqldb.Millis(s.now()))
	return err
}

// PillFeedback is what readers said of one pill in a period.
type PillFeedback struct {
	Pill     string    `json:"pill"` // IRI
	Yes      int       `json:"yes"`
	No       int       `json:"no"`
	Comments []string  `json:"comments"` // the latest comments of the "no" answers, newest first
	Last     time.Time `json:"last"`
}

// MaxFeedbackComments is how many comments FeedbackGaps keeps per pill.
const MaxFeedbackComments = 5

// FeedbackGaps lists the pills answered "no" at least once in [since, until), the most "no"
// first (then the larger share of "no"), with their "yes" count and latest comments.
func (s *Store) FeedbackGaps(ctx context.Context, since, until time.Time) ([]PillFeedback, error) {
	rows, err := s.db.Query(ctx, `SELECT pill, useful, comment, at FROM tk_pill_feedback
		WHERE at >= ? AND at < ? ORDER BY at DESC, id DESC`, sqldb.Millis(since), sqldb.Millis(until))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	by := map[string]*PillFeedback{}
	for rows.Next() {
		var pill, comment string
		var useful int
		var at int64
		if err := rows.Scan(&pill, &useful, &comment, &at); err != nil {
			return nil, err
		}
		f := by[pill]
		if f == nil {
			f = &PillFeedback{Pill: pill, Comments: []string{}, Last: sqldb.Time(at)}
			by[pill] = f
		}
		if useful == 1 {
			f.Yes++
			continue
		}
		f.No++
		if comment != "" && len(f.Comments) < MaxFeedbackComments {
			f.Comments = append(f.Comments, comment)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []PillFeedback{}
	for _, f := range by {
		if f.No > 0 {
			out = append(out, *f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.No != b.No {
			return a.No > b.No
		}
		if a.No*(b.Yes+b.No) != b.No*(a.Yes+a.No) {
			return a.No*(b.Yes+b.No) > b.No*(a.Yes+a.No)
		}
		return a.Pill < b.Pill
	})
	return out, nil
}
