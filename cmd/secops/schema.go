package main

import (
	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/schema"
)

func init() { commands = append(commands, newSchema) }

func newSchema() *cobra.Command {
	var scenarios, adapters, record bool
	var output string
	cmd := &cobra.Command{
		Use:   "schema [--scenarios | --adapters | --record] [-o FILE]",
		Short: "Print the JSON Schema of designs, scenario files, adapter files or run records",
		Long:  help("schema"),
		Args:  cobra.NoArgs,
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
			return writeOut(cmd, output, b)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the schema to `FILE` instead of stdout")
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
