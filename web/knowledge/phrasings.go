package knowledge

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"sportello/audit"
	"sportello/internal/role"
	"sportello/kb/search"
	"sportello/web/webkit"
)

// "Come lo chiedono i cittadini" (KB-2, KB-9): the words contacts used for a pill, learned by
// the search from the tickets solved with it, shown on the pill's page to the roles that look
// after the knowledge base, who remove an entry that does not belong (a name, a wrong pill, a
// contact that was not what it seemed). The rule of what is learned and how it counts is
// kb/search's Learner; here only who sees and removes.

// curators see and remove the learned phrasings of a pill.
var curators = []role.Role{role.Publisher, role.Validator, role.Administrator}

func curates(who role.Role) bool { return slices.Contains(curators, who) }

// phrasingRemove is POST /schede/:code/frasi/:id/rimuovi: the phrasing is forgotten and its
// pill re-indexed at once. The audit log records which entry and where it came from, not its
// words: a phrasing is removed most often because it holds what should not be kept.
func (h *Handlers) phrasingRemove(c echo.Context) error {
	ctx := c.Request().Context()
	if h.learner == nil {
		return webkit.NotFound("err.notFound")
	}
	p, err := webkit.FindPill(ctx, h.store, c.Param("code"), webkit.RoleOf(c))
	if err != nil {
		return webkit.StoreErr(err, "err.pillNotFound")
	}
	back := webkit.PillHref(*p) + "#frasi"
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return webkit.RedirectError(c, back, "notFound")
	}
	// The entry must be one of this pill's: a stale page or a crafted form cannot remove
	// another pill's phrasing from here.
	list, err := h.learner.List(ctx, p.IRI)
	if err != nil {
		return webkit.Internal(err)
	}
	i := slices.IndexFunc(list, func(ph search.Phrasing) bool { return ph.ID == id })
	if i < 0 {
		return webkit.RedirectError(c, back, "notFound")
	}
	gone, err := h.learner.Forget(ctx, id)
	if errors.Is(err, search.ErrNoPhrasing) {
		return webkit.RedirectError(c, back, "notFound")
	}
	if err != nil {
		return webkit.Internal(err)
	}
	name := p.Code
	if name == "" {
		name = p.IRI
	}
	webkit.Audit(c, audit.PhrasingRemove, "scheda "+name,
		fmt.Sprintf("frase appresa n. %d rimossa (%s, %s)", gone.ID, gone.Evidence, orDash(gone.Source)))
	return webkit.RedirectOK(c, back, "removed")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
