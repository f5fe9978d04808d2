package ticketing

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// users is a user directory: name → e-mail ("" for a disabled account).
type users map[string]string

func (u users) UserEmail(_ context.Context, name string) (string, error) {
	addr, ok := u[name]
	if !ok {
		return "", fmt.Errorf("user %s: %w", name, ErrNotFound)
	}
	return addr, nil
}

func TestMembership(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	dir := offices{officeA: {"Ufficio Tributi", "tributi@regione.example.it"}, officeB: {"Ufficio Anagrafe", ""}}
	staff := users{"lucia": "lucia@regione.example.it", "paolo": "paolo@regione.example.it", "ex": ""}
	for name, s := range stores(t, clock, Config{Offices: dir, Users: staff}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 5, 4, 9, 0))
			m, err := s.AddMember(ctx, officeA, "lucia", "", "admin")
			if err != nil || m.Capacity != AsOffice || m.AddedBy != "admin" || !m.Added.Equal(clock.Now()) {
				t.Fatalf("AddMember = %+v, %v", m, err)
			}
			// Changing the capacity keeps the date the membership began.
			clock.Add(time.Hour)
			if m, err = s.AddMember(ctx, officeA, "lucia", AsLevel2, "capo"); err != nil || m.Capacity != AsLevel2 ||
				!m.Added.Equal(romeTime(2026, 5, 4, 9, 0)) || m.AddedBy != "admin" {
				t.Fatalf("capacity change = %+v, %v", m, err)
			}
			if _, err := s.AddMember(ctx, officeB, "lucia", AsBackOffice, "admin"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddMember(ctx, officeA, "paolo", AsOffice, "admin"); err != nil {
				t.Fatal(err)
			}
			// Refused, each naming its field, and nothing written.
			for _, c := range []struct {
				office, user string
				capacity     Capacity
				fields       string
			}{
				{"", "", "", "office user"},
				{"https://w3id.org/sportello/id/unit/sconosciuto", "lucia", "", "office"},
				{"ufficio tributi", "lucia", "", "office"},
				{officeA, "nessuno", "", "user"},
				{officeA, "lucia bianchi", "", "user"},
				{officeA, "lucia", AsSupervisor, "capacity"},
				{officeA, "lucia", AsOperator, "capacity"},
			} {
				_, err := s.AddMember(ctx, c.office, c.user, c.capacity, "admin")
				var got []string
				for f := range Fields(err) {
					got = append(got, f)
				}
				sort.Strings(got)
				if !errors.Is(err, ErrInvalid) || strings.Join(got, " ") != c.fields {
					t.Errorf("AddMember(%q, %q, %q) = %v (fields %v), want fields %s", c.office, c.user, c.capacity, err, got, c.fields)
				}
			}
			members, _ := s.Members(ctx, officeA)
			if len(members) != 2 || members[0].User != "lucia" || members[1].User != "paolo" {
				t.Fatalf("members of A = %+v", members)
			}
			mine, _ := s.OfficesOf(ctx, "lucia")
			if len(mine) != 2 || mine[0].Office != officeB || mine[0].Capacity != AsBackOffice {
				t.Fatalf("offices of lucia = %+v", mine)
			}
			if all, _ := s.MembersAll(ctx); len(all) != 3 {
				t.Fatalf("all memberships = %+v", all)
			}
			if ok, _ := s.IsMember(ctx, officeB, "paolo"); ok {
				t.Fatal("paolo is not in B")
			}
			if err := s.RemoveMember(ctx, officeB, "paolo", "admin"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("removing a membership that does not exist: %v", err)
			}
			if err := s.RemoveMember(ctx, officeB, "lucia", "admin"); err != nil {
				t.Fatal(err)
			}
			if mine, _ := s.OfficesOf(ctx, "lucia"); len(mine) != 1 {
				t.Fatalf("after removal lucia is in %+v", mine)
			}
		})
	}
}

// TestOfficeQueues walks TK-10…TK-12 and TK-15 through the offices' queues: an escalated request
// is assigned to an office, whose members (and mailbox) are told by e-mail on a real SMTP
// relay; only they see and work it; a member rejects it with a reason and the right office; it
// waits in level 3's queue with the rejection; the supervisor reassigns it; the right office
// takes it in hand and solves it; the whole path is kept.
func TestOfficeQueues(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	// The relay refuses the address of one member: that member's notification fails alone,
	// and the failure is in the path.
	rel := startRelay(t, "tributi@regione.example.it", "anagrafe@regione.example.it", "lucia@regione.example.it",
		"marco@regione.example.it", "terzo.livello@regione.example.it", "anna@example.it")
	mailer := &Mailer{Relay: rel.addr, From: "Contact Center <sportello@regione.example.it>", Level3: "terzo.livello@regione.example.it"}
	dir := offices{officeA: {"Ufficio Tributi", "tributi@regione.example.it"}, officeB: {"Ufficio Anagrafe", "anagrafe@regione.example.it"}}
	staff := users{"lucia": "lucia@regione.example.it", "paolo": "paolo@non-accettato.example.it", "marco": "marco@regione.example.it",
		"sergio": "", "bruno": "bruno@regione.example.it"}
	for name, s := range stores(t, clock, Config{Mail: mailer, Offices: dir, Users: staff}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 5, 4, 9, 0))
			for _, m := range []struct {
				office, user string
				c            Capacity
			}{{officeA, "lucia", AsOffice}, {officeA, "paolo", AsLevel2}, {officeB, "marco", AsOffice}} {
				if _, err := s.AddMember(ctx, m.office, m.user, m.c, "admin"); err != nil {
					t.Fatal(err)
				}
			}
			tk, err := s.Create(ctx, NewTicket{Channel: Email, Subject: "Residenza", Description: "Devo cambiare la residenza",
				Contact: Contact{Name: "Anna", Email: "anna@example.it"}})
			if err != nil {
				t.Fatal(err)
			}
			other, _ := s.Create(ctx, NewTicket{Channel: Phone, Description: "Altro", Actor: "op", Role: AsOperator})
			rel.take()
			if _, err := s.Escalate(ctx, tk.ID, "op", AsOperator, nil, ""); Fields(err)["queries"] == "" {
				t.Fatalf("escalation without searches: %v", err)
			}
			if _, err := s.Escalate(ctx, tk.ID, "op", AsOperator, []string{"cambio residenza"}, "serve l'ufficio"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AssignOffice(ctx, tk.ID, "bruno", AsLevel2, "", ""); Fields(err)["office"] == "" {
				t.Fatalf("assignment without office: %v", err)
			}
			if _, err := s.AssignOffice(ctx, tk.ID, "bruno", AsLevel2, "https://w3id.org/sportello/id/unit/nessuno", ""); Fields(err)["office"] == "" {
				t.Fatalf("assignment to an office outside the directory: %v", err)
			}
			// Assigned to the wrong office: its mailbox and both members are told — paolo's
			// address is refused by the relay, which the path records; the others arrive.
			clock.Add(time.Minute)
			if _, err := s.AssignOffice(ctx, tk.ID, "bruno", AsLevel2, officeA, "urgente"); err != nil {
				t.Fatal(err)
			}
			var to []string
			for _, m := range rel.take() {
				to = append(to, m.to...)
				if !strings.Contains(string(m.data), "["+tk.Number+"]") || !strings.Contains(string(m.data), "Ufficio Tributi") {
					t.Errorf("notification %s", m.data)
				}
			}
			sort.Strings(to)
			if strings.Join(to, " ") != "lucia@regione.example.it tributi@regione.example.it" {
				t.Fatalf("assignment told %v", to)
			}
			if p := mustPath(t, s, tk.ID); p[len(p)-1].Action != "notification_failed" || !strings.Contains(p[len(p)-1].Reason, "paolo@non-accettato") {
				t.Fatalf("the failed notification is not in the path: %+v", p[len(p)-1])
			}
			// The office's queue has it; the other office's does not; members see theirs.
			now := clock.Now()
			if q, _ := s.OfficeQueue(ctx, officeA, Query{}, now); q.Total != 1 || q.Rows[0].ID != tk.ID {
				t.Fatalf("queue of A = %+v", q)
			}
			if q, _ := s.OfficeQueue(ctx, officeB, Query{}, now); q.Total != 0 {
				t.Fatalf("queue of B = %+v", q)
			}
			if q, _ := s.MemberQueue(ctx, "paolo", Query{}, now); q.Total != 1 {
				t.Fatalf("paolo's queue = %+v", q)
			}
			if q, _ := s.MemberQueue(ctx, "bruno", Query{}, now); q.Total != 0 || q.Rows == nil {
				t.Fatalf("the queue of a user of no office = %+v", q)
			}
			if c, _ := s.QueueCounts(ctx, "lucia"); len(c) != 1 || c[0].Open != 1 || c[0].Unassigned != 1 {
				t.Fatalf("lucia's counters = %+v", c)
			}
			// Only members act: marco (office B), bruno (level 2 of no office) are refused,
			// with a message naming the office.
			for _, who := range []struct {
				user string
				role Capacity
			}{{"marco", AsOffice}, {"bruno", AsLevel2}, {"bruno", AsBackOffice}} {
				_, err := s.Solve(ctx, tk.ID, who.user, who.role, "fatto", "")
				var te *TransitionError
				if !errors.Is(err, ErrNotMember) || !errors.As(err, &te) || !strings.Contains(te.Message(), "«Ufficio Tributi»") {
					t.Fatalf("%s solving for office A: %v", who.user, err)
				}
				if s.CanAct(ctx, mustTicket(t, s, tk.ID), ActReject, who.user, who.role) {
					t.Fatalf("%s may reject for office A", who.user)
				}
			}
			high := High
			if _, err := s.Update(ctx, tk.ID, "bruno", AsLevel2, TicketPatch{Priority: &high}); !errors.Is(err, ErrNotMember) {
				t.Fatalf("a non-member editing the office's ticket: %v", err)
			}
			if got, err := s.Update(ctx, tk.ID, "paolo", AsLevel2, TicketPatch{Priority: &high}); err != nil || got.Priority != High {
				t.Fatalf("a member editing the office's ticket: %+v, %v", got, err)
			}
			if got := fmt.Sprint(s.AllowedFor(ctx, mustTicket(t, s, tk.ID), "lucia", AsLevel2)); got != "[claim reject request_data solve]" {
				t.Fatalf("lucia may %s", got)
			}
			// Level 3 acts on any ticket: it reassigns, and may still unblock one itself.
			if got := fmt.Sprint(s.AllowedFor(ctx, mustTicket(t, s, tk.ID), "sergio", AsSupervisor)); got != "[reassign request_data solve]" {
				t.Fatalf("the supervisor may %s", got)
			}
			// A member takes it in hand, then rejects it: reason required, suggestion optional.
			if got, err := s.Claim(ctx, tk.ID, "lucia", AsLevel2); err != nil || got.Assignee != "lucia" || got.State != StateAssigned {
				t.Fatalf("claim = %+v, %v", got, err)
			}
			if c, _ := s.QueueCounts(ctx, "paolo"); c[0].Unassigned != 0 {
				t.Fatalf("counters after the claim = %+v", c)
			}
			if _, err := s.RejectAssignment(ctx, tk.ID, "lucia", AsLevel2, "  ", officeB); Fields(err)["reason"] == "" {
				t.Fatalf("rejection without reason: %v", err)
			}
			clock.Add(time.Minute)
			rej, err := s.RejectAssignment(ctx, tk.ID, "lucia", AsLevel2, "È di competenza dell'anagrafe", officeB)
			if err != nil || rej.State != StateRejected {
				t.Fatalf("rejection = %+v, %v", rej, err)
			}
			if sent := rel.take(); len(sent) != 1 || sent[0].to[0] != "terzo.livello@regione.example.it" {
				t.Fatalf("rejection told %+v", sent)
			}
			// Level 3's queue: the rejection with who, why and where.
			page, rejections, err := s.RejectedQueue(ctx, Query{}, clock.Now())
			if err != nil || page.Total != 1 || rejections[0].Actor != "lucia" || rejections[0].SuggestedOffice != officeB ||
				rejections[0].Office != officeA || rejections[0].Reason != "È di competenza dell'anagrafe" || rejections[0].Role != AsOffice {
				t.Fatalf("level-3 queue = %+v %+v %v", page, rejections, err)
			}
			if q, _ := s.OfficeQueue(ctx, officeA, Query{}, clock.Now()); q.Total != 0 {
				t.Fatal("a rejected request stays in the office's queue")
			}
			if _, err := s.Reassign(ctx, tk.ID, "lucia", AsLevel2, officeB, ""); !errors.Is(err, ErrRole) {
				t.Fatalf("a member reassigning: %v", err)
			}
			clock.Add(time.Minute)
			if _, err := s.Reassign(ctx, tk.ID, "sergio", AsSupervisor, officeB, "Come suggerito"); err != nil {
				t.Fatal(err)
			}
			if sent := rel.take(); len(sent) != 2 {
				t.Fatalf("reassignment told %d", len(sent))
			}
			if _, err := s.Solve(ctx, tk.ID, "marco", AsOffice, "", ""); Fields(err)["reason"] == "" {
				t.Fatalf("solution without answer: %v", err)
			}
			clock.Add(time.Minute)
			done, err := s.Solve(ctx, tk.ID, "marco", AsOffice, "Cambio di residenza registrato.", "")
			if err != nil || done.State != StateSolved || done.Assignee != "marco" {
				t.Fatalf("solution = %+v, %v", done, err)
			}
			if sent := rel.take(); len(sent) != 1 || sent[0].to[0] != "anna@example.it" {
				t.Fatalf("solution told %+v", sent)
			}
			// The path of the request, every assignment, rejection and reassignment in it.
			var path []string
			for _, e := range mustPath(t, s, tk.ID) {
				path = append(path, fmt.Sprintf("%s/%s/%s/%s", e.Action, e.Actor, e.Role, short(e.Office)))
			}
			want := "create/sistema/system/- escalate/op/operator/- assign/bruno/level2/tributi notification_failed/sistema/system/- " +
				"update/paolo/level2/- claim/lucia/office/tributi reject/lucia/office/tributi reassign/sergio/supervisor/anagrafe solve/marco/office/anagrafe " +
				"message/marco/office/-"
			if got := strings.Join(path, " "); got != want {
				t.Fatalf("path\n got %s\nwant %s", got, want)
			}
			// Removing a member puts what they had in hand back in the queue.
			s.Escalate(ctx, other.ID, "op", AsOperator, []string{"altro"}, "")
			s.AssignOffice(ctx, other.ID, "bruno", AsLevel2, officeA, "")
			s.Claim(ctx, other.ID, "paolo", AsLevel2)
			rel.take()
			if err := s.RemoveMember(ctx, officeA, "paolo", "admin"); err != nil {
				t.Fatal(err)
			}
			if o := mustTicket(t, s, other.ID); o.Assignee != "" || o.State != StateAssigned {
				t.Fatalf("after paolo left: %+v", o)
			}
			if _, err := s.Solve(ctx, other.ID, "paolo", AsLevel2, "x", ""); !errors.Is(err, ErrNotMember) {
				t.Fatalf("a former member solving: %v", err)
			}
		})
	}
}

func short(iri string) string {
	if iri == "" {
		return "-"
	}
	return strings.TrimPrefix(iri[strings.LastIndexByte(iri, '/')+1:], "ufficio-")
}

func mustTicket(t *testing.T, s *Store, id int64) *Ticket {
	t.Helper()
	tk, err := s.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}
