package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/render"
)

func init() { commands = append(commands, newRender) }

func newRender() *cobra.Command {
	var format, playbookID, out string
	cmd := &cobra.Command{
		Use:   "render [--format markdown|mermaid|dot] [--playbook ID] [--out FILE] DESIGN",
		Short: "Render a design as a Markdown runbook or its playbooks as flow graphs",
		Long: `Render writes a design for people who do not read YAML.

  markdown  one self-contained runbook (the default): scope, criteria,
            detection rules, playbooks with their flowcharts, the process
            table and the responses, in the design's metadata.language
  mermaid   the playbook flow graphs as a Mermaid flowchart
  dot       the playbook flow graphs as a Graphviz digraph

With --playbook, mermaid and dot draw that playbook alone; without it, every
playbook, each in its own subgraph. The output goes to standard output, or
to FILE with --out.

A design with validation findings is still rendered (run "secops validate"
for them); exit status 2 means the design could not be read or rendered.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var buf bytes.Buffer
			if err := renderFile(&buf, cmd.ErrOrStderr(), args[0], format, playbookID); err != nil {
				return err
			}
			if out == "" {
				_, err := cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				return usageError("%v", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "markdown", "output format: markdown, mermaid or dot")
	cmd.Flags().StringVar(&playbookID, "playbook", "", "draw only the playbook with this id (mermaid and dot)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write to `FILE` instead of standard output")
	return cmd
}

func renderFile(buf *bytes.Buffer, stderr interface{ Write([]byte) (int, error) }, path, format, playbookID string) error {
	if format != "markdown" && format != "mermaid" && format != "dot" {
		return usageError("--format must be markdown, mermaid or dot, not %q", format)
	}
	if playbookID != "" && format == "markdown" {
		return usageError("--playbook applies to --format mermaid and dot only")
	}
	d, err := secops.LoadFile(path)
	if d == nil {
		return usageError("%v", err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "secops: %s has problems (run secops validate); rendering it anyway\n", path)
	}
	var p *playbook.Playbook
	if playbookID != "" {
		if p = d.Playbook(ident.ID(playbookID)); p == nil {
			var ids []string
			for _, pb := range d.Playbooks {
				ids = append(ids, string(pb.ID))
			}
			return usageError("%s has no playbook %q; it has: %s", path, playbookID, strings.Join(ids, ", "))
		}
	}
	switch format {
	case "mermaid":
		err = render.Mermaid(buf, d, p)
	case "dot":
		err = render.DOT(buf, d, p)
	default:
		err = render.Markdown(buf, d)
	}
	if err != nil {
		return usageError("%v", err)
	}
	return nil
}
