package webkit

import (
	"context"
	"errors"

	"sportello/internal/role"
	"sportello/kb"
)

// Visible is the pill statuses who may read; nil means any. (The visibility rule moves into
// kb as kb.Viewer; until then the web packages share this one.)
func Visible(who role.Role) []kb.Status {
	if who.SeesDrafts() {
		return nil
	}
	return []kb.Status{kb.StatusPublished}
}

// CanSee reports whether who may read p.
func CanSee(who role.Role, p *kb.Pill) bool {
	return who.SeesDrafts() || p.Status == kb.StatusPublished
}

// FindPill resolves the pill of a URL: its legacy code, the last segment of its IRI, or the
// IRI; a pill who may not read is not found.
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
	if !CanSee(who, p) {
		return nil, kb.ErrNotFound
	}
	return p, nil
}
