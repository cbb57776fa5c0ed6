package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/cacao"
	"github.com/secopsdesign/secops/finding"
)

func init() { commands = append(commands, newExport, newImport) }

func newExport() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a design in another format",
	}
	var out, at, adaptersPath string
	c := &cobra.Command{
		Use:   "cacao DESIGN --out DIR [--adapters FILE] [--time RFC3339]",
		Short: "Write each playbook as a CACAO 2.0 playbook, DIR/<playbook-id>.json",
		Long: `Export cacao writes one CACAO 2.0 playbook JSON file per playbook of the
design, named after the playbook id. Identifiers are UUIDv5 derived from the
design name and the playbook, step and method ids, so exports of the same
design are byte-identical.

Timestamps: by default every playbook's created and modified times are
2000-01-01T00:00:00.000Z, a fixed date, not the time of the export, so that
exporting the same design twice gives the same files. To stamp the real
date, pass --time (e.g. --time "$(date -u +%Y-%m-%dT%H:%M:%SZ)") or set
SOURCE_DATE_EPOCH (seconds since 1970); --time wins over SOURCE_DATE_EPOCH.

Conditions are block-structured as CACAO 2.0 defines them: each branch of
an if-condition is a sub-workflow ending in an end step of its own, and the
flow goes on at the if-condition's on_completion. A method's "when" is an
if-condition whose on_true branch is the method's action step. A design
step that several branches lead to is written once for each way into it.

Conditions that have a STIX comparison form (a bool field, its negation,
a field = or != a literal, a field IN a list of literals, and conjunctions
of those) are written as one over the playbook variables, e.g.
__attack_ongoing__:value = true. The others stay CEL, marked in the secops
step extension (expression_language "cel"); each is listed on stderr with
its step.

--adapters FILE (the file secops run takes) makes actions an executor can
call, each step's agent named after the SOARCA capability that runs it: a
webhook adapter's method becomes an http-api command run by the agent
soarca-http-api (POST to its URL with the JSON body and Idempotency-Key the
webhook adapter sends, its secret headers as authentication_info without
their values), a method done by a person a manual command run by
soarca-manual and targeted at the party responsible for the phase, and a
command adapter's method a bash command with its command line, which only
secops runs (SOARCA runs commands only over ssh; stderr says so). An
adapter at an IP address or localhost does not match the CACAO schema's
url pattern, which SOARCA checks too: stderr names it.
The run id is the external variable __secops_run__; the Idempotency-Key is
the secops executor's, __secops_run__:value/step/<step>/<method> (or
/response/<response>/<method>). Without --adapters,
methods with an action are secops-adapter commands that only secops runs,
and the export says so on stderr.

A design with errors is not exported (exit status 1).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError("--out DIR is required")
			}
			t, err := exportTime(at)
			if err != nil {
				return err
			}
			d, err := secops.LoadFile(args[0])
			if err != nil && finding.From(err) == nil {
				return usageError("%v", err)
			}
			if d != nil {
				err = d.Validate()
			}
			if all := finding.From(err); all.HasErrors() {
				if werr := finding.WriteText(cmd.ErrOrStderr(), all); werr != nil {
					return usageError("%v", werr)
				}
				return &exitError{code: 1}
			}
			opts := cacao.Options{Time: t}
			if adaptersPath != "" {
				cfg, err := config.LoadFile(adaptersPath)
				if err != nil && finding.From(err) == nil {
					return usageError("%v", err)
				}
				all := finding.From(err)
				if cfg != nil {
					all = append(all, cfg.Check(d)...)
				}
				if len(all) > 0 {
					_ = finding.WriteText(cmd.ErrOrStderr(), all)
				}
				if all.HasErrors() {
					return &exitError{code: 1}
				}
				opts.Adapters = cfg
			}
			files, err := cacao.Export(d, opts)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			adapterCommands := false
			for _, f := range files {
				for _, n := range f.Notes {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s: %s\n", args[0], f.ID, n)
				}
				for _, s := range f.Playbook.Workflow {
					for _, c := range s.Commands {
						adapterCommands = adapterCommands || c.Type == cacao.AdapterCommand
					}
				}
			}
			if adapterCommands && adaptersPath == "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: methods with an action are %s commands, which only secops runs: pass --adapters FILE to export http-api and bash commands an executor can call\n",
					args[0], cacao.AdapterCommand)
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return usageError("%v", err)
			}
			for _, f := range files {
				var buf bytes.Buffer
				if err := f.Playbook.Encode(&buf); err != nil {
					return usageError("%v", err)
				}
				path := filepath.Join(out, string(f.ID)+".json")
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					return usageError("%v", err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), path)
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "directory to write the playbooks to")
	c.Flags().StringVar(&adaptersPath, "adapters", "", "adapter configuration (secops-adapters/v1) that makes actions http-api and bash commands")
	c.Flags().StringVar(&at, "time", "", "created and modified time (RFC 3339); default SOURCE_DATE_EPOCH, else the fixed 2000-01-01T00:00:00Z")
	cmd.AddCommand(c)
	cmd.AddCommand(newExportNavigator()) // in navigator.go
	return cmd
}

// exportTime is the --time flag, else SOURCE_DATE_EPOCH, else zero (the
// package default).
func exportTime(flag string) (time.Time, error) {
	if flag != "" {
		t, err := time.Parse(time.RFC3339Nano, flag)
		if err != nil {
			return time.Time{}, usageError("--time: %v", err)
		}
		return t, nil
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, usageError("SOURCE_DATE_EPOCH: %v", err)
		}
		return time.Unix(n, 0), nil
	}
	return time.Time{}, nil
}

func newImport() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Make a design from another format",
	}
	var out, adaptersOut string
	c := &cobra.Command{
		Use:   "cacao FILE.json [--out FILE] [--adapters FILE]",
		Short: "Make a secops/v1 design from a CACAO 2.0 playbook",
		Long: `Import cacao writes a complete secops/v1 design (YAML, to stdout unless
--out) holding the CACAO playbook, and lists on stderr what could not be
carried over. Scope and criteria, which CACAO does not carry, are
placeholders marked "# TODO(import)"; so are the incidents a playbook
exported by secops names, each with a placeholder detection
(alert.incident == "<id>") so that alerts reach the playbook.

What is carried over: the flow from workflow_start (whatever step it is,
with a warning when it is not a start step), conditions (CEL as it is, STIX
ones as a person's decision), parallel steps one after another in the order
of next_steps with no branch lost, TLP 2.0 markings as metadata.tlp,
external_references as text and incident references, step timeouts as
estimates. The http-api commands of steps run by SOARCA's soarca-http-api
agent become actions of a webhook adapter named after the step's target
(POST /api/v1/block HTTP/1.1 to target fw: fw.post_api_v1_block), the
request kept in the method's note; --adapters FILE writes these adapters,
and those of a playbook exported with --adapters, as an adapters file. Every other property is listed on stderr with its JSON path,
e.g. $.valid_until: dropped.

A file that is not a CACAO playbook, that is malformed (the message gives
the JSON path: workflow: want an object of steps, got an array), or whose
workflow is too large or too tangled to import (more than 10000 steps, or
branches that would multiply them), is refused with exit status 2. Loops are
cut: a while-condition runs its body at most once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return usageError("%v", err)
			}
			defer f.Close()
			d, rep, err := cacao.Import(f)
			if err != nil {
				return usageError("%s: %v", args[0], err)
			}
			var buf bytes.Buffer
			if err := cacao.WriteYAML(&buf, d, rep.Placeholders); err != nil {
				return usageError("%v", err)
			}
			for _, n := range rep.Notes {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", args[0], n)
			}
			if adaptersOut != "" {
				if len(rep.Adapters) == 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: no action calls a webhook adapter: %s not written\n", args[0], adaptersOut)
				} else {
					var ab bytes.Buffer
					ab.WriteString("# Webhook adapters of the actions imported from " + filepath.Base(args[0]) + ": check each URL,\n# and add the headers (tokens) the endpoints need.\n")
					enc := yaml.NewEncoder(&ab)
					if err := enc.Encode(config.File{Format: config.Format, Adapters: rep.Adapters}); err != nil {
						return usageError("%v", err)
					}
					if err := os.WriteFile(adaptersOut, ab.Bytes(), 0o644); err != nil {
						return usageError("%v", err)
					}
				}
			}
			if out == "" {
				_, err = cmd.OutOrStdout().Write(buf.Bytes())
			} else {
				err = os.WriteFile(out, buf.Bytes(), 0o644)
			}
			if err != nil {
				return usageError("%v", err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "file to write the design to (default stdout)")
	c.Flags().StringVar(&adaptersOut, "adapters", "", "file to write the webhook adapters the imported actions call to (secops-adapters/v1)")
	cmd.AddCommand(c)
	return cmd
}
