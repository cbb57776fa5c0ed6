package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/bundle"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/render"
)

func init() { commands = append(commands, newRender) }

func newRender() *cobra.Command {
	var format, playbookID, out string
	cmd := &cobra.Command{
		Use:   "render [--format markdown|html|mermaid|dot] [--playbook ID] [-o FILE] DESIGN",
		Short: "Render a design as a runbook (Markdown or HTML) or its playbooks as flow graphs",
		Long:  help("render"),
		Args:  cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return nil, cobra.ShellCompDirectiveDefault // file names
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var buf bytes.Buffer
			if err := renderFile(cmd, &buf, args[0], format, playbookID); err != nil {
				return err
			}
			return writeOut(cmd, out, buf.Bytes())
		},
	}
	formatFlag(cmd, &format, "markdown", render.Formats...)
	cmd.Flags().StringVar(&playbookID, "playbook", "", "draw only the playbook with this id (mermaid and dot)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write to `FILE` instead of standard output")
	_ = cmd.RegisterFlagCompletionFunc("playbook", completePlaybooks)
	return cmd
}

// completePlaybooks offers the playbook ids of the design named on the
// command line, with their names as descriptions.
func completePlaybooks(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 || args[0] == "-" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	d, _, _ := secops.LoadFile(args[0])
	if d == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var ids []string
	for _, p := range d.Playbooks {
		if strings.HasPrefix(string(p.ID), toComplete) {
			ids = append(ids, string(p.ID)+"\t"+strings.Join(strings.Fields(p.Name), " "))
		}
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}

// loadDesign reads a design from a file, or from standard input for "-".
func loadDesign(cmd *cobra.Command, path string) (*secops.Design, finding.List, error) {
	if path == "-" {
		return secops.Load(cmd.InOrStdin(), bundle.Stdin)
	}
	return secops.LoadFile(path)
}

func renderFile(cmd *cobra.Command, buf *bytes.Buffer, path, format, playbookID string) error {
	d, lf, err := loadDesign(cmd, path)
	if err != nil {
		return usageError("%v", err)
	}
	if d == nil {
		return usageError("%v", lf)
	}
	name := path
	if path == "-" {
		name = bundle.Stdin
	}
	if len(lf) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "secops: %s has problems (run secops validate); rendering it anyway\n", name)
	}
	err = render.Format(cmd.Context(), buf, d, format, ident.ID(playbookID))
	if err != nil {
		return usageError("%s: %v", name, err)
	}
	return nil
}
