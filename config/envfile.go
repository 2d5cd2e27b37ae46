package config

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// ReadEnvFile reads a file of settings in the syntax of systemd's
// EnvironmentFile= (systemd.exec(5)), so that the package's env file gives
// the same values to a daemon started by hand as to the service:
//   - empty lines, and lines whose first non-blank is # or ;, are comments
//     (a backslash at a comment's end carries it on to the next line);
//   - KEY=VALUE, blanks around the key and the value dropped, blanks inside
//     the value kept (NOTIFY_URLS=a b is one value, "a b");
//   - a value in single quotes is taken as it is, across lines;
//   - a value in double quotes may span lines; in it a backslash keeps a
//     following " \ ` or $ and drops a newline, and stays otherwise;
//   - unquoted, a backslash keeps the next character and a backslash at the
//     end of a line joins the next; quotes after the first character stay.
//
// Where systemd skips a line with a warning (no =, a key that is not a
// variable name, bytes that are not UTF-8), ReadEnvFile refuses the file
// with the line's number: a setting silently dropped is a wrong number
// later. A key given twice takes its last value, as in systemd.
func ReadEnvFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseEnvFile(b)
}

// ParseEnvFile parses the contents of an env file; see ReadEnvFile.
func ParseEnvFile(b []byte) (map[string]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	vars := make(map[string]string)
	p := &envParser{b: b, line: 1}
	for {
		p.skip(" \t\r\n")
		if p.done() {
			return vars, nil
		}
		start := p.line
		if c := p.peek(); c == '#' || c == ';' {
			p.comment()
			continue
		}
		raw := p.until('=')
		if p.done() || strings.Contains(raw, "\n") {
			first, _, _ := strings.Cut(raw, "\n")
			return nil, fmt.Errorf("line %d: %q is no KEY=VALUE assignment", start, strings.TrimSpace(first))
		}
		p.next() // '='
		key := strings.TrimRight(raw, " \t\r")
		if !validEnvName(key) {
			return nil, fmt.Errorf("line %d: %q is not a variable name (letters, digits and _, not starting with a digit)", start, key)
		}
		value, err := p.value()
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", start, key, err)
		}
		if !utf8.ValidString(value) {
			return nil, fmt.Errorf("line %d: %s: the value is not UTF-8", start, key)
		}
		vars[key] = value
	}
}

type envParser struct {
	b    []byte
	i    int
	line int // of the next byte, from 1
}

func (p *envParser) done() bool { return p.i >= len(p.b) }
func (p *envParser) peek() byte { return p.b[p.i] }

func (p *envParser) next() byte {
	c := p.b[p.i]
	p.i++
	if c == '\n' {
		p.line++
	}
	return c
}

func (p *envParser) skip(set string) {
	for !p.done() && strings.IndexByte(set, p.peek()) >= 0 {
		p.next()
	}
}

// comment skips to the end of the line; as in systemd, a backslash at
// its end makes the next line part of the comment.
func (p *envParser) comment() {
	for !p.done() {
		switch p.next() {
		case '\\':
			if !p.done() {
				p.next()
			}
		case '\n':
			return
		}
	}
}

// until reads up to (not including) c or the end of the input.
func (p *envParser) until(c byte) string {
	start := p.i
	for !p.done() && p.peek() != c {
		p.next()
	}
	return string(p.b[start:p.i])
}

// value reads a value after its '=', up to and including the newline that
// ends it.
func (p *envParser) value() (string, error) {
	p.skip(" \t\r")
	var v []byte
	// keep is the length of v that trailing blanks may not be trimmed
	// below: what quotes or a backslash put there stays.
	keep := 0
	for !p.done() {
		c := p.next()
		switch {
		case c == '\n':
			return string(trimBlanks(v, keep)), nil
		case c == '\\':
			if p.done() {
				return string(trimBlanks(v, keep)), nil
			}
			if e := p.next(); e != '\n' {
				v = append(v, e)
				keep = len(v)
			}
		case (c == '\'' || c == '"') && len(v) == 0:
			quoted, err := p.quoted(c)
			if err != nil {
				return "", err
			}
			v = append(v, quoted...)
			keep = len(v)
		default:
			v = append(v, c)
		}
	}
	return string(trimBlanks(v, keep)), nil
}

// quoted reads a quoted value after its opening quote q.
func (p *envParser) quoted(q byte) ([]byte, error) {
	var v []byte
	for !p.done() {
		c := p.next()
		switch {
		case c == q:
			return v, nil
		case q == '"' && c == '\\' && !p.done():
			switch e := p.next(); e {
			case '"', '\\', '`', '$':
				v = append(v, e)
			case '\n':
			default:
				v = append(v, c, e)
			}
		default:
			v = append(v, c)
		}
	}
	return nil, fmt.Errorf("the value's %c quote is not closed", q)
}

func trimBlanks(v []byte, keep int) []byte {
	for len(v) > keep && strings.IndexByte(" \t\r", v[len(v)-1]) >= 0 {
		v = v[:len(v)-1]
	}
	return v
}

func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
