package suite

import (
	"fmt"
	"io"
	"slices"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// Count is how many of Total things were exercised.
type Count struct {
	// Hit is how many of them the scenarios exercised.
	Hit int
	// Total is how many there are.
	Total int
}

// Percent is Hit as a percentage of Total (100 when Total is 0).
func (c Count) Percent() float64 {
	if c.Total == 0 {
		return 100
	}
	return 100 * float64(c.Hit) / float64(c.Total)
}

// String returns c as "hit/total (percent%)", e.g. "4/6 (66.7%)".
func (c Count) String() string { return fmt.Sprintf("%d/%d (%.1f%%)", c.Hit, c.Total, c.Percent()) }

// PlaybookCoverage says which steps, branches and responses of a playbook
// the scenarios exercised.
type PlaybookCoverage struct {
	// Playbook is the id of the design playbook.
	Playbook ident.ID
	// Steps counts the playbook's steps that some run went through.
	Steps Count
	// Branches counts the branches of its steps, default branches
	// included, that some run took.
	Branches Count
	// Responses counts the distinct responses its steps and branches
	// respond with that some run ended in.
	Responses Count
	// Missed names what no scenario exercised: "step x",
	// "branch x.branches[1] (when): respond fr-4", "response fr-4".
	Missed []string
}

// Cover computes, per playbook of plan's design in document order, what
// the runs in records exercised.
func Cover(plan *executor.Plan, records []*executor.Record) []PlaybookCoverage {
	d := plan.Design()
	var out []PlaybookCoverage
	for i := range d.Playbooks {
		pb := &d.Playbooks[i]
		steps := map[ident.ID]bool{}
		branches := map[executor.Branch]bool{}
		responses := map[ident.ID]bool{}
		for _, r := range records {
			if r == nil || r.Playbook != pb.ID {
				continue
			}
			for _, s := range r.Path {
				steps[s] = true
			}
			for _, b := range r.Branches {
				branches[b] = true
			}
			if r.Response != "" {
				responses[r.Response] = true
			}
		}
		c := PlaybookCoverage{Playbook: pb.ID}
		var respIDs []ident.ID
		addResp := func(id ident.ID) {
			if id != "" && !slices.Contains(respIDs, id) {
				respIDs = append(respIDs, id)
			}
		}
		for _, s := range pb.Steps {
			c.Steps.Total++
			if steps[s.ID] {
				c.Steps.Hit++
			} else {
				c.Missed = append(c.Missed, "step "+string(s.ID))
			}
			addResp(s.Respond)
			for j, b := range s.Branches {
				addResp(b.Respond)
				c.Branches.Total++
				if branches[executor.Branch{Step: s.ID, Index: j}] {
					c.Branches.Hit++
					continue
				}
				cond := b.When
				if cond == "" {
					cond = "default"
				}
				to := "goto " + string(b.Goto)
				switch {
				case b.Respond != "":
					to = "respond " + string(b.Respond)
				case b.End != "":
					to = "end " + b.End
				}
				c.Missed = append(c.Missed, fmt.Sprintf("branch %s.branches[%d] (%s): %s", s.ID, j, cond, to))
			}
		}
		for _, id := range respIDs {
			c.Responses.Total++
			if responses[id] {
				c.Responses.Hit++
			} else {
				c.Missed = append(c.Missed, "response "+string(id))
			}
		}
		out = append(out, c)
	}
	return out
}

// WriteCoverage prints one line per playbook and, indented under it, what
// was missed.
func WriteCoverage(w io.Writer, cov []PlaybookCoverage) error {
	for _, c := range cov {
		if _, err := fmt.Fprintf(w, "coverage: %s: steps %v, branches %v, responses %v\n", c.Playbook, c.Steps, c.Branches, c.Responses); err != nil {
			return err
		}
		for _, m := range c.Missed {
			if _, err := fmt.Fprintf(w, "    missed: %s\n", m); err != nil {
				return err
			}
		}
	}
	return nil
}
