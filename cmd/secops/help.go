package main

import (
	"embed"
	"strings"
)

// The long help of each command is a text file in help/, named after
// the command (its parent first: export-cacao.txt, runs-list.txt), so
// that it is written and reviewed as the text it is.
//
//go:embed help/*.txt
var helpFiles embed.FS

// help returns the long help named name; a missing file is a bug the
// tests catch (TestHelpTexts), not a user's mistake.
func help(name string) string {
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		panic("no help text " + name)
	}
	return strings.TrimSuffix(string(b), "\n")
}
