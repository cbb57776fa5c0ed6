package change

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"

	"github.com/secopsdesign/secops/bundle"
)

// LoadDesign loads and checks the design arg names for Plan: a file,
// or, when no file has that name, REV:PATH as git names a file of a
// revision ("main:design.yaml", "HEAD~1:ops/design.yaml"), read with
// git show from the current folder's repository, so that a pull
// request's check compares the design before and after without a
// checkout of each.
func LoadDesign(arg string) (*bundle.Bundle, error) {
	f := bundle.Files{Design: arg}
	if _, err := os.Stat(arg); err != nil && strings.Contains(arg, ":") {
		git, err := exec.LookPath("git")
		if err != nil {
			return nil, errors.New(arg + ": no such file, and no git to read it as REV:PATH")
		}
		var out, errOut bytes.Buffer
		c := exec.Command(git, "show", arg)
		c.Stdout, c.Stderr = &out, &errOut
		if err := c.Run(); err != nil {
			return nil, errors.New("git show " + arg + ": " + strings.TrimSpace(errOut.String()))
		}
		f.Source = &out
	}
	return bundle.Load(f)
}
