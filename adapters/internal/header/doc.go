// Package header expands the header values of the HTTP adapters (webhook
// and openc2): text in which ${NAME} names an environment variable,
// looked up at each call, and redacts the values it substituted from
// error texts.
package header
