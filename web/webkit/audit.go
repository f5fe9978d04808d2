package webkit

import (
	"context"
	"log/slog"

	"github.com/labstack/echo/v4"

	"sportello/audit"
)

// The audit log (OPS-1) as the handlers see it. The server records most administrative acts
// itself, from its table of audited routes (web/auditwire.go); a handler whose act the table
// cannot describe records it with Audit.

// Auditor records an entry of the audit log: *audit.Store.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) (audit.Entry, error)
}

const ctxAuditor = "sportello.auditor"

type auditor struct {
	a   Auditor
	log *slog.Logger
}

// SetAuditor makes a available to Audit for the request (the server's middleware calls it).
func SetAuditor(c echo.Context, a Auditor, log *slog.Logger) {
	c.Set(ctxAuditor, auditor{a, log})
}

// Audit records an administrative act of the caller: the actor is the signed-in user ("anonimo"
// for the public), the client the caller's address. Without an audit log it does nothing. A
// failure to record is logged as an error and does not change the answer: the act is done, and
// saying otherwise would make the user do it twice.
func Audit(c echo.Context, action audit.Action, object, detail string) {
	au, ok := c.Get(ctxAuditor).(auditor)
	if !ok || au.a == nil {
		return
	}
	actor := UserOf(c)
	if actor == "" {
		actor = "anonimo"
	}
	r := c.Request()
	e := audit.Entry{Actor: actor, Action: action, Object: object, Detail: detail, Client: ClientAddr(r)}
	// The act is done even when the client has gone: record it on a context of its own.
	if _, err := au.a.Record(context.WithoutCancel(r.Context()), e); err != nil {
		log := au.log
		if log == nil {
			log = slog.Default()
		}
		log.Error("audit log: entry not recorded", "action", action, "object", object, "actor", actor, "err", err)
	}
}
