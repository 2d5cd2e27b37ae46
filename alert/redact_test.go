package alert

import (
	"context"
	"strings"
	"testing"
)

// hostile are the characters a URL can carry that have cut a token short
// in an error's text: quotes, brackets, percent-escapes.
var hostile = []string{`'`, `"`, `[`, `]`, `%27`, `%22`, `<`, `>`, `(`, `)`, `{`, `}`, `|`, `\`, `^`, "`", `;`, `!`, `*`, `$`}

// TestRedactAnyCharacter: a token made of any character a URL carries,
// in the user, the path, the query and the fragment of every documented
// service's URL, is never shown in a failure's error, against a closed
// port and an error answer.
func TestRedactAnyCharacter(t *testing.T) {
	srv := newErrorServer(t)
	closed := closedPort(t)
	for _, c := range hostile {
		token := "A" + c + secret + c + "Z"
		urls := map[string]func(addr string) string{
			"generic path":     func(a string) string { return "generic+http://" + a + "/hook/" + token },
			"generic query":    func(a string) string { return "generic+http://" + a + "/hook?token=" + token },
			"generic fragment": func(a string) string { return "generic+http://" + a + "/hook#" + token },
			"generic user":     func(a string) string { return "generic+http://u:" + token + "@" + a + "/hook" },
			"ntfy topic":       func(a string) string { return "ntfy://" + a + "/" + token + "?scheme=http" },
			"ntfy password":    func(a string) string { return "ntfy://user:" + token + "@" + a + "/topic?scheme=http" },
			"gotify token":     func(a string) string { return "gotify://" + a + "/" + token + "?disabletls=yes" },
			"bark key":         func(a string) string { return "bark://:" + token + "@" + a + "/?scheme=http" },
			"telegram chat":    func(string) string { return "telegram://110201543:AAHtoken0123456789@telegram?chats=" + token },
			"discord token":    func(string) string { return "discord://" + token + "@123456789012345678" },
		}
		for name, mk := range urls {
			for _, mode := range []string{"closed port", "error answer"} {
				addr := closed
				if mode == "error answer" {
					addr = srv.http
				}
				redirect(t, addr)
				if mode == "error answer" && !strings.HasPrefix(mk(addr), "generic") && !strings.HasPrefix(mk(addr), "ntfy") &&
					!strings.HasPrefix(mk(addr), "gotify") && !strings.HasPrefix(mk(addr), "bark") {
					redirect(t, srv.https)
				}
				chs, err := Channels([]string{mk(addr)})
				var msg string
				if err != nil {
					msg = err.Error() // a URL its parser refuses
				} else if err = chs[0].Send(context.Background(), Notification{Title: "test"}); err != nil {
					msg = err.Error()
				} else {
					t.Errorf("%s %q: sent to a failing receiver", name, c)
					continue
				}
				if strings.Contains(strings.ToUpper(msg), secret) {
					t.Errorf("%s with %q, %s: the error shows the token: %s", name, c, mode, msg)
				}
			}
		}
	}
}
