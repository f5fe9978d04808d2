// Package role holds the one Role type of Sportello: what a caller may do (KB-8: differentiated
// access levels with a workflow between user types). Accounts store a role, every web route
// lists the roles it allows, and the domains map a role to what they need (kb: what a viewer
// may read; ticketing: the capacity in which a user acts on a ticket). Nothing else defines
// roles.
package role

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what a caller may do.
type Role string

const (
	Anonymous     Role = "anonymous"     // the public: published pills, directory, exports
	Administrator Role = "administrator" // accounts, configuration, synonyms, announcements
	Publisher     Role = "publisher"     // writes pills (KB-14)
	Validator     Role = "validator"     // approves pills (KB-12, KB-14)
	Operator      Role = "operator"      // front office, level 1
	Backoffice    Role = "backoffice"    // back office, offline channels (TK-10)
	Level2        Role = "level2"        // level 2 / departmental support, competent offices (TK-10, TK-11)
	Supervisor    Role = "supervisor"    // live queues, statistics, level-3 reassignment (TEL-3)
	Auditor       Role = "auditor"       // reads everything, changes nothing (OPS-1)
)

// All lists every role, Anonymous first.
var All = []Role{Anonymous, Administrator, Publisher, Validator, Operator, Backoffice, Level2, Supervisor, Auditor}

// Staff lists the roles an account can have (every role but Anonymous), in the order forms
// show them.
var Staff = All[1:]

// Label is the role's name in Italian, for forms and account lists.
func (r Role) Label() string {
	switch r {
	case Anonymous:
		return "Pubblico"
	case Administrator:
		return "Amministratore"
	case Publisher:
		return "Redattore (publisher)"
	case Validator:
		return "Validatore"
	case Operator:
		return "Operatore di front office"
	case Backoffice:
		return "Operatore di back office"
	case Level2:
		return "Supporto di II livello"
	case Supervisor:
		return "Supervisore"
	case Auditor:
		return "Revisore (sola lettura)"
	}
	return string(r)
}

// IsStaff reports whether r is a role an account can have.
func (r Role) IsStaff() bool { return slices.Contains(Staff, r) }

// SeesDrafts reports whether the role may read pills that are not published: the people who
// write, approve or audit them. Operators read to citizens "all and only what the sheet says"
// (KB-12), so they see published pills only, like the public.
//
// Deprecated: what a role may see of the knowledge base is kb's rule (kb.Viewer), mapped from
// the role in one place, web/webkit.ViewerOf; use ViewerOf(r).Drafts.
func (r Role) SeesDrafts() bool {
	switch r {
	case Administrator, Publisher, Validator, Auditor:
		return true
	}
	return false
}

// Parse accepts the name of an account role, in any case. Anonymous is not one.
func Parse(s string) (Role, error) {
	for _, r := range Staff {
		if strings.EqualFold(s, string(r)) {
			return r, nil
		}
	}
	names := make([]string, len(Staff))
	for i, r := range Staff {
		names[i] = string(r)
	}
	return "", fmt.Errorf("unknown role %q (want one of %s)", s, strings.Join(names, ", "))
}

// Stored maps a role read from storage to a Role: an unknown name (a newer version, a hand
// edit) gets no more than the public.
func Stored(s string) Role {
	if r := Role(s); r.IsStaff() {
		return r
	}
	return Anonymous
}
