package main

import (
	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/schema"
)

func init() { commands = append(commands, newSchema) }

func newSchema() *cobra.Command {
	var scenarios, adapters, record bool
	cmd := &cobra.Command{
		Use:   "schema [--scenarios | --adapters | --record]",
		Short: "Print the JSON Schema of designs, scenario files, adapter files or run records",
		Long: `Schema prints a JSON Schema (draft 2020-12) for editors and tools: of the
design format by default, of scenario files with --scenarios, of adapter
configuration files with --adapters, of run records (secops-record/v1)
with --record.

For VS Code with the YAML extension, start a design with
  # yaml-language-server: $schema=<path or URL of design.schema.json>`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			k := schema.Design
			switch {
			case btoi(scenarios)+btoi(adapters)+btoi(record) > 1:
				return usageError("give one of --scenarios, --adapters and --record")
			case record:
				k = schema.Record
			case scenarios:
				k = schema.Scenarios
			case adapters:
				k = schema.Adapters
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
	cmd.Flags().BoolVar(&adapters, "adapters", false, "print the adapter-configuration schema")
	cmd.Flags().BoolVar(&record, "record", false, "print the run-record schema")
	return cmd
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
