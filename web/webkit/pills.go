package webkit

import (
	"context"
	"errors"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/internal/role"
	"sportello/kb"
)

// ViewerOf is the ONE mapping of a role to what it may see of the knowledge base: kb owns the
// rule (kb.Viewer: status, validity dates, internal fields), the web says who is asking. Every
// page, API, search, count and export of the web packages goes through it (KB-3, KB-8, KB-12).
//
//   - publishers, validators, administrators and auditors see everything the workflow holds
//     (drafts, pills out of their validity period, the history): they write, approve or audit it;
//   - operators, back office, level 2 and supervisors read to citizens "all and only what the
//     sheet says" (KB-12): published pills in force, with the internal fields (notes, legacy
//     columns, who validated);
//   - the public, and any role this version does not know, gets published pills in force
//     without internal fields, never the history.
func ViewerOf(who role.Role) kb.Viewer {
	switch who {
	case role.Administrator, role.Publisher, role.Validator, role.Auditor:
		return kb.Editorial
	case role.Operator, role.Backoffice, role.Level2, role.Supervisor:
		return kb.Staff
	}
	return kb.Anonymous
}

// Viewer is what the caller of c may see (ViewerOf its role).
func Viewer(c echo.Context) kb.Viewer { return ViewerOf(RoleOf(c)) }

// PillFilter is f with the caller's visibility rule applied: the pills it may see, with the
// fields it may not see cleared.
func PillFilter(c echo.Context, f kb.PillFilter) kb.PillFilter {
	v := Viewer(c)
	f.Viewer = &v
	return f
}

// FindPill resolves the pill of a URL: its legacy code, the last segment of its IRI, or the
// IRI; a pill who may not see (kb's rule, through ViewerOf) is not found, and the fields who
// may not see are cleared.
func FindPill(ctx context.Context, store *kb.Store, id string, who role.Role) (*kb.Pill, error) {
	p, err := store.PillByCode(ctx, id)
	if errors.Is(err, kb.ErrNotFound) {
		var all []kb.Pill
		all, err = store.Pills(ctx, kb.PillFilter{})
		if err != nil {
			return nil, err
		}
		err = kb.ErrNotFound
		for i := range all {
			if LocalID(all[i].IRI) == id || all[i].IRI == id {
				p, err = &all[i], nil
				break
			}
		}
	}
	if err != nil {
		return nil, err
	}
	v := ViewerOf(who)
	if !v.Sees(p, time.Now()) {
		return nil, kb.ErrNotFound
	}
	v.Redact(p)
	return p, nil
}
