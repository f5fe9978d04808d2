package ticketing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"sportello/internal/sqldb"
)

// JobInterval is how often RunJobs makes a pass when no interval is given.
const JobInterval = 15 * time.Minute

// RunJobs runs the ticketing timers every interval (JobInterval when zero) until ctx is done
// (issue 6):
//
//   - TK-13: an incomplete request whose citizen has not sent the missing data within the O.3
//     working time (SLAPolicy.Final, --sla-final) gets the final email inviting the citizen to
//     call and becomes "Risolto I Livello" (SendFinalReminders).
//
// Callbacks (TK-6, TEL-7) need no timer: DueCallbacks selects the pending ones due at the
// moment it is asked, so the operators' list is always current and a retry is rescheduled by
// CallbackAttempt itself.
//
// A failing pass is logged and retried at the next tick. Without outbound email there is
// nothing to send and RunJobs returns at once.
func (s *Store) RunJobs(ctx context.Context, every time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	if every <= 0 {
		every = JobInterval
	}
	if s.mail == nil {
		// Without outbound email there is no final email to send: the requests stay incomplete
		// for an operator to phone the citizen.
		log.Info("ticketing jobs: final reminders off (no --mail-relay)")
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.SendFinalReminders(ctx, log); err != nil && ctx.Err() == nil {
			log.Warn("ticketing jobs: final reminders", "err", err, "sent", n)
		} else if n > 0 {
			log.Info("ticketing jobs: final reminders sent", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendFinalReminders is one pass of the TK-13 timer: every request waiting for the citizen's
// data for at least the O.3 working time gets the final reminder (FinalReminder, as the
// system) and is solved at level 1. It returns how many it sent.
//
// It is idempotent: the reminder moves the ticket out of "Richiesta incompleta", so a later
// pass does not see it again, and a reminder already mailed whose state change was lost is
// not mailed twice. A ticket whose email fails (relay down, no address) is logged and left
// incomplete for the next pass; the others go on.
func (s *Store) SendFinalReminders(ctx context.Context, log *slog.Logger) (int, error) {
	if log == nil {
		log = slog.Default()
	}
	if s.mail == nil {
		return 0, ErrNoMail
	}
	due, err := s.AwaitingData(ctx, s.sla.Final, s.clock())
	if err != nil {
		return 0, err
	}
	sent := 0
	var failed []error
	for _, t := range due {
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		mailed, err := s.finalReminderSent(ctx, &t)
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", t.Number, err))
			continue
		}
		if mailed {
			// The email went out but the state change did not: finish it without a second email.
			_, err = s.Apply(ctx, t.ID, Step{Action: ActFinalReminder, Actor: "sistema", Role: AsSystem,
				Reason: "email definitiva inviata"})
		} else {
			_, err = s.FinalReminder(ctx, t.ID, "sistema", AsSystem)
		}
		switch {
		case err == nil:
			if !mailed {
				sent++
			}
			log.Info("ticketing jobs: final reminder", "ticket", t.Number, "emailed", !mailed)
		case errors.Is(err, ErrState):
			// The citizen answered (or an operator acted) meanwhile: nothing to do.
		default:
			failed = append(failed, fmt.Errorf("%s: %w", t.Number, err))
		}
	}
	return sent, errors.Join(failed...)
}

// finalReminderSent reports whether t already got its final email since it became incomplete
// (its last state change).
func (s *Store) finalReminderSent(ctx context.Context, t *Ticket) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_messages WHERE ticket_id = ? AND direction = 'out'
		AND kind = 'final_reminder' AND at >= ?`, t.ID, sqldb.Millis(t.Modified)).Scan(&n)
	return n > 0, err
}
