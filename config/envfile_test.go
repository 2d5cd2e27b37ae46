package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseEnvFile holds ReadEnvFile to the syntax systemd.exec(5) gives
// for EnvironmentFile=, the cases of issue 23 first: two URLs separated by
// a space, and a quoted value.
func TestParseEnvFile(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
		err  string
	}{
		{name: "two URLs, unquoted", in: "NOTIFY_URLS=generic+http://127.0.0.1:1/a generic+http://127.0.0.1:1/b\n",
			want: map[string]string{"NOTIFY_URLS": "generic+http://127.0.0.1:1/a generic+http://127.0.0.1:1/b"}},
		{name: "two URLs, double-quoted", in: `NOTIFY_URLS="generic+http://h/a generic+http://h/b"`,
			want: map[string]string{"NOTIFY_URLS": "generic+http://h/a generic+http://h/b"}},
		{name: "single quotes keep everything", in: "A='x \\\" $y # z'\n", want: map[string]string{"A": `x \" $y # z`}},
		{name: "blanks around key and value", in: "  START_DAY = 17  \r\n\tQUOTA=\t1TB\t\n", want: map[string]string{"START_DAY": "17", "QUOTA": "1TB"}},
		{name: "blanks inside quotes stay", in: `A="  x  "  `, want: map[string]string{"A": "  x  "}},
		{name: "comments", in: "# a\n; b\n   # c=d\n\nA=1 # not a comment\n", want: map[string]string{"A": "1 # not a comment"}},
		{name: "comment continued by a backslash", in: "# a \\\nB=2\nA=1\n", want: map[string]string{"A": "1"}},
		{name: "unquoted backslashes", in: "A=a\\ b\\\\c\\\"\nB=x\\\ny\n", want: map[string]string{"A": `a b\c"`, "B": "xy"}},
		{name: "quotes after the first character stay", in: `A=x "y" 'z'`, want: map[string]string{"A": `x "y" 'z'`}},
		{name: "text after a closing quote", in: `A="x" y`, want: map[string]string{"A": "x y"}},
		{name: "double-quote escapes", in: "A=\"q\\\" b\\\\ d\\$ t\\` n\\n\\\nx\"\n", want: map[string]string{"A": "q\" b\\ d$ t` n\\nx"}},
		{name: "quoted value across lines", in: "A='one\ntwo'\nB=3\n", want: map[string]string{"A": "one\ntwo", "B": "3"}},
		{name: "empty values", in: "A=\nB=''\nC=\"\"", want: map[string]string{"A": "", "B": "", "C": ""}},
		{name: "last one wins", in: "A=1\nA=2\n", want: map[string]string{"A": "2"}},
		{name: "byte order mark", in: "\xef\xbb\xbfA=1\n", want: map[string]string{"A": "1"}},
		{name: "no =", in: "A=1\nexport\n", err: `line 2: "export" is no KEY=VALUE assignment`},
		{name: "export prefix", in: "export A=1\n", err: `line 1: "export A" is not a variable name`},
		{name: "bad name", in: "\n\n1A=1\n", err: `line 3: "1A" is not a variable name`},
		{name: "open quote", in: "A=1\nB=\"x\n", err: `line 2: B: the value's " quote is not closed`},
		{name: "not UTF-8", in: "A=\xff\n", err: "line 1: A: the value is not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEnvFile([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("error %v, want one starting %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestPackageEnvFile: the env file the packages install parses, sets
// nothing (every line is a comment), and with its commented defaults
// uncommented gives exactly each setting's default, which Load takes.
func TestPackageEnvFile(t *testing.T) {
	b, err := os.ReadFile("../systemd/vnstat-exporter.env")
	if err != nil {
		t.Fatal(err)
	}
	vars, err := ParseEnvFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) != 0 {
		t.Errorf("the template sets %v; want every line commented", vars)
	}
	var lines []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") && strings.Contains(line, "=") && validEnvName(strings.SplitN(line[1:], "=", 2)[0]) {
			lines = append(lines, line[1:])
		}
	}
	path := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	vars, err = ReadEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars() {
		if got, ok := vars[v.Name]; ok && got != v.Default && v.Name != "WEBHOOK_PATH" {
			t.Errorf("%s=%q in the template, default %q", v.Name, got, v.Default)
		}
	}
	if _, err := Load(func(k string) string { return vars[k] }); err != nil {
		t.Errorf("Load of the template's defaults: %v", err)
	}
}
