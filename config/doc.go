// Package config reads and validates vnstat-exporter's settings.
//
// Settings come from environment variables (the names the Python original
// used, plus new ones) and, optionally, command-line flags that override them.
// Load is a pure function of a getenv-like lookup; no other package reads the
// environment. Every setting is validated with go-playground/validator before
// the program serves anything, and a bad value is reported as an *Error that
// names the variable, the value given and what is allowed.
package config
