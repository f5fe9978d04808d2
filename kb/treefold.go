package kb

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"sportello/internal/textfold"
	"sportello/ontology"
)

// Folding imported legacy categories into the life-event tree (KB-1). A legacy workbook brings
// flat categories that land at the top of the tree beside the life-event branches; FoldPlan
// lists them with a proposal each, and the publisher applies the plan (ApplyTreePlan) in one
// submit.

// FoldProposal is one top concept that is not a life-event branch, with what the wizard
// proposes for it.
type FoldProposal struct {
	Concept Concept
	Pills   int    // pills filed under it (content graph, any status)
	Target  string // the concept of a branch it most resembles, or ""
	Branch  string // the branch (a top concept) Target belongs to
	// Action is TreeMerge when Target has the same name (a label of one is a label of the
	// other), TreeMove otherwise; empty when nothing resembles it.
	Action TreeAction
	Why    string // in Italian: the words or pills the proposal rests on
}

// IsBranch reports whether a top concept is a branch of the life-event tree: mapped (exactly,
// closely or as narrower) to a life event or a business event of the national vocabularies.
func IsBranch(c Concept) bool {
	for _, m := range slices.Concat(c.ExactMatch, c.CloseMatch, c.BroadMatch) {
		if strings.HasPrefix(m, ontology.LifeEventScheme+"/") || strings.HasPrefix(m, ontology.BusinessEventScheme+"/") {
			return true
		}
	}
	return false
}

// FoldPlan returns the life-event branches and, for every other top concept, a proposal:
// the concept of the branches whose labels share the most words with the category's labels and
// with the titles and keywords of its pills, and a pill also filed in a branch counts for that
// branch's concept. Words are compared folded (case, accents) on their first five letters, so
// that "tributo" meets "tributi"; the comparison never reaches a user.
func (s *Store) FoldPlan(ctx context.Context) ([]Concept, []FoldProposal, error) {
	all, err := s.Concepts(ctx)
	if err != nil {
		return nil, nil, err
	}
	byIRI := make(map[string]Concept, len(all))
	for _, c := range all {
		byIRI[c.IRI] = c
	}
	var branches, legacy []Concept
	for _, c := range all {
		if len(c.Parents()) > 0 {
			continue
		}
		if IsBranch(c) {
			branches = append(branches, c)
		} else {
			legacy = append(legacy, c)
		}
	}
	// Every concept below a branch, with its branch and its words.
	type candidate struct {
		c      Concept
		branch string
		words  map[string]bool
		labels map[string]bool
	}
	var cands []candidate
	byCand := map[string]int{}
	for _, br := range branches {
		below, err := s.Narrower(ctx, br.IRI, true)
		if err != nil {
			return nil, nil, err
		}
		for _, iri := range append([]string{br.IRI}, below...) {
			c, ok := byIRI[iri]
			if !ok {
				continue
			}
			if _, dup := byCand[iri]; dup {
				continue
			}
			labels := conceptLabels(c)
			cd := candidate{c: c, branch: br.IRI, words: map[string]bool{}, labels: map[string]bool{}}
			for _, l := range labels {
				cd.labels[textfold.Fold(strings.TrimSpace(l))] = true
				for _, w := range stems(l) {
					cd.words[w] = true
				}
			}
			byCand[iri] = len(cands)
			cands = append(cands, cd)
		}
	}
	var out []FoldProposal
	for _, lc := range legacy {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		pills, err := s.Pills(ctx, PillFilter{Concept: lc.IRI})
		if err != nil {
			return nil, nil, err
		}
		p := FoldProposal{Concept: lc, Pills: len(pills)}
		own := map[string]bool{}
		for _, l := range conceptLabels(lc) {
			for _, w := range stems(l) {
				own[w] = true
			}
		}
		text := map[string]int{}
		votes := map[string]int{}
		for _, pl := range pills {
			seen := map[string]bool{}
			for _, w := range stems(pl.Title + " " + strings.Join(pl.Keywords, " ")) {
				if !seen[w] {
					seen[w] = true
					text[w]++
				}
			}
			for _, c := range pl.Concepts {
				if _, ok := byCand[c]; ok {
					votes[c]++
				}
			}
		}
		// A proposal needs more than one word of one pill in common.
		best, bestScore := -1, minFoldScore-1
		for i, cd := range cands {
			score := 2 * votes[cd.c.IRI]
			for w := range own {
				if cd.words[w] {
					score += 6
				}
			}
			for w, n := range text {
				if cd.words[w] {
					score += min(n, 3)
				}
			}
			same := false
			for _, l := range conceptLabels(lc) {
				if cd.labels[textfold.Fold(strings.TrimSpace(l))] {
					same = true
				}
			}
			if same {
				score += 100
			}
			if score > bestScore {
				best, bestScore = i, score
			}
		}
		if best >= 0 {
			cd := cands[best]
			p.Target, p.Branch, p.Action = cd.c.IRI, cd.branch, TreeMove
			var why []string
			for _, l := range conceptLabels(lc) {
				if cd.labels[textfold.Fold(strings.TrimSpace(l))] {
					p.Action = TreeMerge
					why = append(why, "stesso nome")
					break
				}
			}
			var shared []string
			for _, l := range shownLabels(cd.c) {
				for _, w := range strings.FieldsFunc(l, notWord) {
					if st := stem(w); st != "" && (own[st] || text[st] > 0) && !slices.Contains(shared, strings.ToLower(w)) {
						shared = append(shared, strings.ToLower(w))
					}
				}
			}
			if len(shared) > 0 && p.Action != TreeMerge {
				why = append(why, "parole in comune: "+strings.Join(shared[:min(len(shared), 4)], ", "))
			}
			if n := votes[cd.c.IRI]; n > 0 {
				why = append(why, "schede già classificate anche lì: "+strconv.Itoa(n))
			}
			p.Why = strings.Join(why, "; ")
		}
		out = append(out, p)
	}
	return branches, out, nil
}

// conceptLabels are a concept's Italian labels (and those without a language): the words the
// legacy categories are written in. shown leaves out hidden labels (misspellings).
func conceptLabels(c Concept) []string {
	return slices.Concat(italian(map[string][]string{"it": {c.PrefLabel["it"]}, "": {c.PrefLabel[""]}}), italian(c.AltLabels), italian(c.HiddenLabels))
}

func shownLabels(c Concept) []string {
	return slices.Concat(italian(map[string][]string{"it": {c.PrefLabel["it"]}, "": {c.PrefLabel[""]}}), italian(c.AltLabels))
}

func italian(m map[string][]string) []string {
	var out []string
	for _, lang := range []string{"it", ""} {
		for _, l := range m[lang] {
			if strings.TrimSpace(l) != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

const minFoldScore = 3

func notWord(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// foldStop are words too common to tell categories apart.
var foldStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields("della delle degli dello alla alle agli allo dalla dalle dagli nella nelle negli sulla sulle come sono anche quando quale quali cosa dove posso devo serve servizi servizio regionale regionali regione informazioni domanda richiesta") {
		foldStop[textfold.Fold(w)] = true
	}
}

// stem is a folded word cut to its first five letters, or "" for short and common words.
func stem(w string) string {
	f := textfold.Fold(w)
	if len([]rune(f)) < 4 || foldStop[f] {
		return ""
	}
	if r := []rune(f); len(r) > 5 {
		f = string(r[:5])
	}
	return f
}

func stems(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, notWord) {
		if st := stem(w); st != "" {
			out = append(out, st)
		}
	}
	return out
}
