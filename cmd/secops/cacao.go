package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/bundle"
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
		Long:  help("export-cacao"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError("--out DIR is required")
			}
			t, err := exportTime(at)
			if err != nil {
				return err
			}
			b, err := bundle.Load(bundle.Files{Design: args[0], Adapters: adaptersPath})
			if err != nil {
				return usageError("%v", err)
			}
			if err := finding.WriteText(cmd.ErrOrStderr(), b.Findings); err != nil {
				return usageError("%v", err)
			}
			if !b.OK() {
				return &exitError{code: 1}
			}
			files, err := cacao.Export(b.Design, cacao.Options{Time: t, Adapters: b.Adapters})
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			adapterCommands := false
			for _, f := range files {
				for _, n := range f.Notes {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s: %s\n", args[0], f.ID, n)
				}
				adapterCommands = adapterCommands || f.AdapterCommands()
			}
			if adapterCommands && adaptersPath == "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: methods with an action are %s commands, which only secops runs: pass --adapters FILE to export http-api and bash commands an executor can call\n",
					args[0], cacao.AdapterCommand)
			}
			paths, err := cacao.WriteFiles(out, files)
			for _, p := range paths {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			if err != nil {
				return usageError("%v", err)
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
		Long:  help("import-cacao"),
		Args:  cobra.ExactArgs(1),
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
					if err := rep.WriteAdapters(&ab, args[0]); err != nil {
						return usageError("%v", err)
					}
					if err := os.WriteFile(adaptersOut, ab.Bytes(), 0o644); err != nil {
						return usageError("%v", err)
					}
				}
			}
			return writeOut(cmd, out, buf.Bytes())
		},
	}
	c.Flags().StringVar(&out, "out", "", "file to write the design to (default stdout)")
	c.Flags().StringVar(&adaptersOut, "adapters", "", "file to write the adapters (webhook, openc2) the imported actions call to (secops-adapters/v1)")
	cmd.AddCommand(c)
	return cmd
}
