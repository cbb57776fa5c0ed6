package main

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpTexts: every help text is used by a command, and every command
// with subcommands or flags of its own has one.
func TestHelpTexts(t *testing.T) {
	used := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Long != "" {
			used[c.Long] = true
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRoot())
	files, err := fs.Glob(helpFiles, "help/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "help/"), ".txt")
		if !used[help(name)] {
			t.Errorf("%s is the help of no command", f)
		}
	}
}
