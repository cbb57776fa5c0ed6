package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/server"
)

func init() { commands = append(commands, newToken) }

func newToken() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage the tokens secops serve takes",
	}
	var file, design string
	var parties, roles []string
	add := &cobra.Command{
		Use:   "add NAME --role ROLE [--party PARTY] [--tokens FILE] [--design DESIGN]",
		Short: "Make a token, print it once and write its digest to the tokens file",
		Long:  help("token-add"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(roles) == 0 {
				return usageError("token add needs --role (ingest, read, answer, approve or admin)")
			}
			toks, err := server.LoadTokens(file)
			if errors.Is(err, fs.ErrNotExist) {
				toks, err = server.NewTokens(), nil
			}
			if err != nil {
				return usageError("%v", err)
			}
			var rs []server.Role
			for _, r := range roles {
				rs = append(rs, server.Role(r))
			}
			var ps []ident.ID
			for _, p := range parties {
				ps = append(ps, ident.ID(p))
			}
			secret, err := toks.Add(args[0], rs, ps)
			if err != nil {
				return usageError("%v", err)
			}
			if design != "" {
				d, lf, err := secops.LoadFile(design)
				if err == nil && d == nil {
					err = lf
				}
				if err != nil {
					return usageError("--design: %v", err)
				}
				if err := toks.CheckParties(d); err != nil {
					return usageError("%v", err)
				}
			}
			if err := toks.Save(file); err != nil {
				return usageError("%v", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintf(cmd.ErrOrStderr(), "token %s added to %s; it is shown once, now: keep it secret\n", args[0], file)
			return nil
		},
	}
	add.Flags().StringVar(&file, "tokens", "secops-tokens.yaml", "the tokens file")
	add.Flags().StringSliceVar(&roles, "role", nil, "a role: ingest, read, answer, approve or admin (repeat or comma-separate)")
	add.Flags().StringSliceVar(&parties, "party", nil, "the id of a party of the design the token acts for (repeat or comma-separate)")
	add.Flags().StringVar(&design, "design", "", "check the parties against this design")
	cmd.AddCommand(add)
	return cmd
}
