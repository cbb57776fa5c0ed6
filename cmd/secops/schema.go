package main

import (
	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/schema"
)

func init() { commands = append(commands, newSchema) }

func newSchema() *cobra.Command {
	var scenarios bool
	cmd := &cobra.Command{
		Use:   "schema [--scenarios]",
		Short: "Print the JSON Schema of designs or scenario files",
		Long: `Schema prints a JSON Schema (draft 2020-12) for editors and tools: of the
design format by default, of scenario files with --scenarios.

For VS Code with the YAML extension, start a design with
  # yaml-language-server: $schema=<path or URL of design.schema.json>`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			k := schema.Design
			if scenarios {
				k = schema.Scenarios
			}
			b, err := schema.Get(k)
			if err != nil {
				return usageError("%v", err)
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	cmd.Flags().BoolVar(&scenarios, "scenarios", false, "print the scenario-file schema")
	return cmd
}
