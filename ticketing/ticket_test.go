package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	officeA  = "https://w3id.org/sportello/id/unit/ufficio-tributi"
	officeB  = "https://w3id.org/sportello/id/unit/ufficio-anagrafe"
	concept  = "https://w3id.org/sportello/id/concept/tributi"
	pillIRI  = "https://w3id.org/sportello/id/pill/TRI-001"
	pillIRI2 = "https://w3id.org/sportello/id/pill/ANA-002"
)

func TestNumbersAreSequentialPerYearUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			clock := &fakeClock{t: romeTime(2026, 12, 31, 10, 0)}
			s.now = clock.Now
			const workers, each = 8, 10
			var mu sync.Mutex
			seen := map[string]bool{}
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						tk, err := s.Create(ctx, NewTicket{Channel: Phone, Description: "prova", Actor: "op", Role: AsOperator})
						if err != nil {
							errs <- err
							return
						}
						mu.Lock()
						seen[tk.Number] = true
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			for i := 1; i <= workers*each; i++ {
				if n := FormatNumber(2026, int64(i)); !seen[n] {
					t.Fatalf("number %s missing; got %d distinct numbers", n, len(seen))
				}
			}
			// A new year starts again from 1; the year is Rome's, not UTC's (23:30 UTC).
			clock.Set(romeTime(2027, 1, 1, 0, 31))
			tk, err := s.Create(ctx, NewTicket{Channel: Email, Description: "auguri", At: romeTime(2027, 1, 1, 0, 30)})
			if err != nil {
				t.Fatal(err)
			}
			if tk.Number != "RS-2027-000001" {
				t.Fatalf("first ticket of 2027 = %s", tk.Number)
			}
			got, err := s.TicketByNumber(ctx, "rs-2027-000001")
			if err != nil || got.ID != tk.ID {
				t.Fatalf("TicketByNumber = %v, %v", got, err)
			}
		})
	}
}

// TestAnnexAFlows walks the customer's flows (Annex A §2–§6) and checks each path.
func TestAnnexAFlows(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: romeTime(2026, 3, 2, 9, 0)}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			newTicket := func(ch Channel) *Ticket {
				tk, err := s.Create(ctx, NewTicket{Channel: ch, Category: concept, Description: "Come pago la TARI?", Actor: "mario", Role: AsOperator})
				if err != nil {
					t.Fatal(err)
				}
				return tk
			}
			apply := func(tk *Ticket, st Step) *Ticket {
				t.Helper()
				clock.Add(time.Minute)
				got, err := s.Apply(ctx, tk.ID, st)
				if err != nil {
					t.Fatalf("%s: %v", st.Action, err)
				}
				return got
			}
			path := func(tk *Ticket) string {
				t.Helper()
				evs, err := s.Path(ctx, tk.ID)
				if err != nil {
					t.Fatal(err)
				}
				var p []string
				for _, e := range evs {
					p = append(p, string(e.Action)+">"+string(e.To))
				}
				return strings.Join(p, " ")
			}

			// §2: phone call answered with a pill at level 1 — first-contact resolution.
			a := newTicket(Phone)
			a = apply(a, Step{Action: ActTake, Actor: "mario", Role: AsOperator})
			a = apply(a, Step{Action: ActSolveL1, Actor: "mario", Role: AsOperator, Pill: pillIRI})
			if a.State != StateSolvedL1 || !a.FirstContact || a.Pill != pillIRI || a.SolvedAt.IsZero() {
				t.Fatalf("solved with a pill: %+v", a)
			}
			if got := path(a); got != "create>new take>in_progress solve_l1>solved_l1" {
				t.Fatalf("path = %s", got)
			}

			// §3–§4: escalation, assignment, rejection with the right office, level-3
			// reassignment, solution by the office, closing.
			b := newTicket(Phone)
			if _, err := s.Apply(ctx, b.ID, Step{Action: ActEscalate, Actor: "mario", Role: AsOperator}); !errors.Is(err, ErrInvalid) {
				t.Fatalf("escalation without queries: %v", err)
			}
			b = apply(b, Step{Action: ActEscalate, Actor: "mario", Role: AsOperator, Queries: []string{"tari rimborso", "tassa rifiuti doppio pagamento"}})
			b = apply(b, Step{Action: ActAssign, Actor: "lucia", Role: AsLevel2, Office: officeA})
			for _, m := range [][2]string{{officeA, "tributi"}, {officeB, "anagrafe"}} {
				if _, err := s.AddMember(ctx, m[0], m[1], AsOffice, "admin"); err != nil {
					t.Fatal(err)
				}
			}
			// TK-11: only the office's members act on it — not a level-2 user of another office.
			_, err := s.Apply(ctx, b.ID, Step{Action: ActSolve, Actor: "anagrafe", Role: AsLevel2, Reason: "fatto"})
			var te *TransitionError
			if !errors.Is(err, ErrNotMember) || !errors.Is(err, ErrRole) || !errors.As(err, &te) ||
				!strings.Contains(te.Message(), "non fa parte dell'ufficio") || HTTPStatus(err) != 403 {
				t.Fatalf("a non-member solving the office's ticket: %v", err)
			}
			if _, err := s.Apply(ctx, b.ID, Step{Action: ActReject, Actor: "tributi", Role: AsOffice}); !errors.Is(err, ErrInvalid) {
				t.Fatalf("rejection without reason: %v", err)
			}
			b = apply(b, Step{Action: ActReject, Actor: "tributi", Role: AsOffice, Reason: "Competenza dell'anagrafe", SuggestedOffice: officeB})
			if b.State != StateRejected {
				t.Fatalf("state after reject = %s", b.State)
			}
			// Only level 3 reassigns (403), and only a rejected/assigned ticket (409).
			_, err = s.Apply(ctx, b.ID, Step{Action: ActReassign, Actor: "mario", Role: AsOperator, Office: officeB})
			if !errors.Is(err, ErrRole) {
				t.Fatalf("operator reassigning: %v", err)
			}
			_, err = s.Apply(ctx, b.ID, Step{Action: ActSolveL1, Actor: "mario", Role: AsOperator, Pill: pillIRI})
			if !errors.Is(err, ErrState) {
				t.Fatalf("solving a rejected ticket at level 1: %v", err)
			}
			if !errors.As(err, &te) || te.State != StateRejected || te.Ticket != b.Number {
				t.Fatalf("TransitionError = %#v", err)
			}
			b = apply(b, Step{Action: ActReassign, Actor: "sara", Role: AsSupervisor, Office: officeB, Reason: "Indicazione dell'ufficio tributi"})
			b = apply(b, Step{Action: ActSolve, Actor: "anagrafe", Role: AsOffice, Reason: "Rimborso disposto"})
			b = apply(b, Step{Action: ActClose, Actor: "lucia", Role: AsLevel2})
			if b.State != StateClosed || b.FirstContact || b.Office != officeB || b.ClosedAt.IsZero() {
				t.Fatalf("closed: %+v", b)
			}
			want := "create>new escalate>escalated assign>assigned reject>rejected reassign>assigned solve>solved close>closed"
			if got := path(b); got != want {
				t.Fatalf("path = %s\nwant   %s", got, want)
			}
			evs, _ := s.Path(ctx, b.ID)
			rej := evs[3]
			if rej.Actor != "tributi" || rej.Office != officeA || rej.SuggestedOffice != officeB || rej.Reason == "" || rej.At.IsZero() {
				t.Fatalf("rejection event = %+v", rej)
			}
			if q, _ := s.Queries(ctx, b.ID); len(q) != 2 || q[0] != "tari rimborso" {
				t.Fatalf("queries = %q", q)
			}

			// §6: incomplete offline request, the citizen answers, then it is processed.
			c := newTicket(Email)
			if c.DueTake.IsZero() {
				t.Fatal("an email request has no SLA clock")
			}
			c = apply(c, Step{Action: ActRequestData, Actor: "bo", Role: AsBackOffice, Reason: "Manca il numero di pratica"})
			c = apply(c, Step{Action: ActResume, Actor: "sistema", Role: AsSystem})
			if c.State != StateInProgress {
				t.Fatalf("resumed to %s", c.State)
			}
			c = apply(c, Step{Action: ActSolveL1, Actor: "bo", Role: AsBackOffice, Reason: "Pratica trovata e spiegata"})
			if c.FirstContact {
				t.Fatal("a request that waited for the citizen counted as first-contact resolution")
			}
			// §6 second scenario: the data never come, a final email, solved at level 1.
			d := newTicket(Fax)
			d = apply(d, Step{Action: ActEscalate, Actor: "bo", Role: AsBackOffice, Queries: []string{"bollo auto"}})
			d = apply(d, Step{Action: ActRequestData, Actor: "lucia", Role: AsLevel2, Reason: "Manca la targa"})
			d = apply(d, Step{Action: ActResume, Actor: "bo", Role: AsBackOffice})
			if d.State != StateEscalated {
				t.Fatalf("resume goes back to %s, want escalated", d.State)
			}
			e := newTicket(Web)
			e = apply(e, Step{Action: ActRequestData, Actor: "bo", Role: AsBackOffice, Reason: "Manca il recapito"})
			e = apply(e, Step{Action: ActFinalReminder, Actor: "sistema", Role: AsSystem})
			if e.State != StateSolvedL1 {
				t.Fatalf("after the final reminder: %s", e.State)
			}
			// Not found.
			if _, err := s.Apply(ctx, 999999, Step{Action: ActTake, Actor: "x", Role: AsOperator}); !errors.Is(err, ErrNotFound) {
				t.Fatalf("missing ticket: %v", err)
			}
			// Inboxes.
			list, err := s.List(ctx, Filter{States: []State{StateClosed}, Office: officeB})
			if err != nil || len(list) != 1 || list[0].ID != b.ID {
				t.Fatalf("office inbox = %v, %v", list, err)
			}
		})
	}
}

// TestTransitionTable checks every (state, action, role) against the table: allowed steps
// succeed, the others fail with the right error class.
func TestTransitionTable(t *testing.T) {
	clock := &fakeClock{t: romeTime(2026, 3, 2, 9, 0)}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) { checkTable(t, s) })
	}
}

func checkTable(t *testing.T, s *Store) {
	ctx := context.Background()
	// Paths that reach each state from new.
	reach := map[State][]Step{
		StateNew:        nil,
		StateInProgress: {{Action: ActTake, Role: AsOperator}},
		StateSolvedL1:   {{Action: ActSolveL1, Role: AsOperator, Reason: "risposta"}},
		StateEscalated:  {{Action: ActEscalate, Role: AsOperator, Queries: []string{"q"}}},
		StateAssigned:   {{Action: ActEscalate, Role: AsOperator, Queries: []string{"q"}}, {Action: ActAssign, Role: AsLevel2, Office: officeA}},
		StateRejected: {{Action: ActEscalate, Role: AsOperator, Queries: []string{"q"}}, {Action: ActAssign, Role: AsLevel2, Office: officeA},
			{Action: ActReject, Role: AsOffice, Reason: "no"}},
		StateIncomplete: {{Action: ActRequestData, Role: AsOperator, Reason: "dati"}},
		StateSolved:     {{Action: ActEscalate, Role: AsOperator, Queries: []string{"q"}}, {Action: ActSolve, Role: AsLevel2, Reason: "risposta"}},
		StateClosed:     {{Action: ActSolveL1, Role: AsOperator, Reason: "risposta"}, {Action: ActClose, Role: AsOperator}},
	}
	// "a" and "u" work for officeA as its officials: on a ticket assigned to it they act as
	// the office whatever their role (TK-11); "x" does not, and is refused there.
	for _, u := range []string{"a", "u"} {
		if _, err := s.AddMember(ctx, officeA, u, AsOffice, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	roles := []Capacity{AsOperator, AsBackOffice, AsLevel2, AsOffice, AsSupervisor, AsSystem}
	checked := 0
	for _, st := range States {
		for _, tr := range Transitions() {
			for _, role := range roles {
				tk, err := s.Create(ctx, NewTicket{Channel: Phone, Description: "x"})
				if err != nil {
					t.Fatal(err)
				}
				for _, step := range reach[st] {
					step.Actor = "a"
					if _, err := s.Apply(ctx, tk.ID, step); err != nil {
						t.Fatalf("reaching %s: %v", st, err)
					}
				}
				step := Step{Action: tr.Action, Actor: "u", Role: role, Reason: "perché", Office: officeB, Queries: []string{"q"}}
				effective := role
				if st == StateAssigned && role != AsSupervisor && role != AsSystem {
					effective = AsOffice
					// A non-member is refused what the member may do.
					x := step
					x.Actor = "x"
					_, err := s.Apply(ctx, tk.ID, x)
					if contains(tr.Roles, AsOffice) && contains(tr.From, st) && contains(tr.Roles, role) && !errors.Is(err, ErrNotMember) {
						t.Errorf("%s by non-member %s in %s: got %v, want ErrNotMember", tr.Action, role, st, err)
					}
					if err == nil {
						t.Errorf("%s by non-member %s in %s: accepted", tr.Action, role, st)
					}
				}
				_, err = s.Apply(ctx, tk.ID, step)
				okRole, okState := contains(tr.Roles, effective), contains(tr.From, st)
				switch {
				case okRole && okState:
					if err != nil {
						t.Errorf("%s by %s in %s: %v", tr.Action, role, st, err)
					}
				case !okRole:
					if !errors.Is(err, ErrRole) {
						t.Errorf("%s by %s in %s: got %v, want ErrRole", tr.Action, role, st, err)
					}
				default:
					if !errors.Is(err, ErrState) {
						t.Errorf("%s by %s in %s: got %v, want ErrState", tr.Action, role, st, err)
					}
				}
				checked++
			}
		}
	}
	if checked != len(States)*len(Transitions())*len(roles) {
		t.Fatal("not every combination checked")
	}
	if got := fmt.Sprint(Allowed(StateRejected, AsSupervisor)); got != "[reassign]" {
		t.Errorf("Allowed(rejected, supervisor) = %s", got)
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	s := stores(t, nil, Config{})["sqlite"]
	for _, n := range []NewTicket{
		{Channel: "pigeon"},
		{Channel: Phone, Priority: "asap"},
		{Channel: Phone, Category: "tributi"},
		{Channel: Phone, CitizenID: 42},
	} {
		if _, err := s.Create(ctx, n); !errors.Is(err, ErrInvalid) {
			t.Errorf("Create(%+v) = %v, want ErrInvalid", n, err)
		}
	}
	var n int
	s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_tickets`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d tickets written by refused creations", n)
	}
}

func TestHTTPStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 200},
		{fmt.Errorf("x: %w", ErrNotFound), 404},
		{invalid("f", "m"), 400},
		{&TransitionError{Err: ErrRole}, 403},
		{&TransitionError{Err: ErrState}, 409},
		{&DuplicateError{Existing: 1}, 409},
		{ErrNoMail, 503},
		{errors.New("disk full"), 500},
	} {
		if got := HTTPStatus(c.err); got != c.want {
			t.Errorf("HTTPStatus(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}
