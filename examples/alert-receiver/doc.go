// Command alert-receiver embeds package server in a program of one's own:
// its own run store and its own adapters, written in Go against a
// vendor's SDK rather than configured in an adapters file. What
// secops serve does from the command line, a tool does this way when it
// adds its own store, adapters, middleware or routes.
//
//	alert-receiver -design design.yaml -db runs.db -addr 127.0.0.1:8080 [-tokens tokens.yaml]
//
// The API is the server's: POST /v1/alerts, GET /v1/runs, POST
// /v1/runs/{id}/approve and the rest, described at /v1/openapi.json; the
// page for people is at /. Without -tokens every request acts as "local",
// so the program listens on loopback only then.
package main
