package secops

import "github.com/secopsdesign/secops/finding"

// Validate checks the design and returns every finding at once as a
// finding.List, or nil when there is none.
func (d *Design) Validate() error {
	var l finding.List
	return l.Err()
}
