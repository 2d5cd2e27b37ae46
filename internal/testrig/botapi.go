package testrig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BotUsername is the stand-in bot's username (getMe).
const BotUsername = "vps1_bot"

// BotToken is the token the Bot API stand-in takes.
const BotToken = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

// BotAPI is a stand-in for Telegram's Bot API, for the token BotToken:
// getUpdates gives the updates the test queued from the offset asked for
// on (an offset confirms the updates before it, which are dropped), long
// polling as the real one does; sendMessage keeps the answers;
// setMyCommands keeps the menu.
type BotAPI struct {
	srv *httptest.Server

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced when an update is queued
	updates  []botUpdate
	nextID   int64
	sent     []BotMessage
	commands []string
	hold     bool // sendMessage is taken and never answered
	held     int
	failGets int
	gets     int
}

type botUpdate struct {
	ID      int64 `json:"update_id"`
	Message struct {
		ID   int64 `json:"message_id"`
		Chat struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
		Date int64  `json:"date"`
		Text string `json:"text"`
	} `json:"message"`
}

// BotMessage is an answer the bot sent.
type BotMessage struct {
	Chat    int64  `json:"-"`
	Text    string `json:"text"`
	ReplyTo int64  `json:"reply_to_message_id"`
}

// NewBotAPI starts the stand-in on loopback, closed when the test ends.
// With addr, it listens there over TLS with a certificate for host of its
// own (CertPEM gives it, for SSL_CERT_FILE); else on a port of its own
// over HTTP.
func NewBotAPI(t testing.TB, addr, host string) (*BotAPI, []byte) {
	t.Helper()
	a := &BotAPI{changed: make(chan struct{}), nextID: 1000}
	a.srv = httptest.NewUnstartedServer(http.HandlerFunc(a.serve))
	var certPEM []byte
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		a.srv.Listener.Close()
		a.srv.Listener = ln
		cert, pemBytes := selfSigned(t, host)
		a.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		a.srv.StartTLS()
		certPEM = pemBytes
	} else {
		a.srv.Start()
	}
	t.Cleanup(a.srv.Close)
	return a, certPEM
}

// selfSigned is a certificate for host that is its own authority.
func selfSigned(t testing.TB, host string) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// URL is the stand-in's address, for the bot's API setting.
func (a *BotAPI) URL() string { return a.srv.URL }

// Send queues a message from chat with text and returns its update's ID.
func (a *BotAPI) Send(chat int64, text string) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	var u botUpdate
	u.ID = a.nextID
	a.nextID++
	u.Message.ID, u.Message.Chat.ID, u.Message.Chat.Type, u.Message.Text, u.Message.Date = u.ID*10, chat, "private", text, time.Now().Unix()
	a.updates = append(a.updates, u)
	close(a.changed)
	a.changed = make(chan struct{})
	return u.ID
}

// Sent is the answers sent so far.
func (a *BotAPI) Sent() []BotMessage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]BotMessage(nil), a.sent...)
}

// Commands is the menu the bot registered, as "command: description".
func (a *BotAPI) Commands() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.commands...)
}

// Hold makes sendMessage take requests and never answer them (while on).
func (a *BotAPI) Hold(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hold = on
}

// Held is how many sendMessage requests were taken and not answered.
func (a *BotAPI) Held() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.held
}

// FailGets makes the next n getUpdates answer 502.
func (a *BotAPI) FailGets(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failGets = n
}

// Unconfirmed is how many queued updates the bot has not confirmed.
func (a *BotAPI) Unconfirmed() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.updates)
}

// Gets is how many getUpdates were asked.
func (a *BotAPI) Gets() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gets
}

// WaitFor waits, up to a minute, until cond holds for the stand-in.
func (a *BotAPI) WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the Bot API stand-in: %s: not within a minute (sent %d, unconfirmed %d, gets %d)", what, len(a.Sent()), a.Unconfirmed(), a.Gets())
		}
	}
}

func (a *BotAPI) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+BotToken+"/")
	if !ok || r.Method != http.MethodPost {
		a.answer(w, http.StatusUnauthorized, false, nil, "Unauthorized")
		return
	}
	var params struct {
		Offset   int64             `json:"offset"`
		Timeout  int               `json:"timeout"`
		Limit    int               `json:"limit"`
		Commands []json.RawMessage `json:"commands"`
		// ChatID is a number, or a string, as the Bot API takes it.
		ChatID json.RawMessage `json:"chat_id"`
		BotMessage
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&params); err != nil {
		a.answer(w, http.StatusBadRequest, false, nil, "Bad Request: "+err.Error())
		return
	}
	switch method {
	case "getUpdates":
		a.getUpdates(w, r, params.Offset, params.Timeout, params.Limit)
	case "sendMessage":
		a.mu.Lock()
		if a.hold {
			a.held++
			a.mu.Unlock()
			<-r.Context().Done()
			return
		}
		params.BotMessage.Chat, _ = strconv.ParseInt(strings.Trim(string(params.ChatID), `"`), 10, 64)
		a.sent = append(a.sent, params.BotMessage)
		a.mu.Unlock()
		a.answer(w, http.StatusOK, true, map[string]any{"message_id": 1}, "")
	case "getMe":
		a.answer(w, http.StatusOK, true, map[string]any{"id": 110201543, "is_bot": true, "first_name": "vps1", "username": BotUsername}, "")
	case "setMyCommands":
		var cmds []string
		for _, c := range params.Commands {
			var cmd struct{ Command, Description string }
			_ = json.Unmarshal(c, &cmd)
			cmds = append(cmds, cmd.Command+": "+cmd.Description)
		}
		a.mu.Lock()
		a.commands = cmds
		a.mu.Unlock()
		a.answer(w, http.StatusOK, true, true, "")
	default:
		a.answer(w, http.StatusNotFound, false, nil, "Not Found: method not found")
	}
}

func (a *BotAPI) getUpdates(w http.ResponseWriter, r *http.Request, offset int64, timeout, limit int) {
	deadline := time.After(time.Duration(timeout) * time.Second)
	for {
		a.mu.Lock()
		a.gets++
		if a.failGets > 0 {
			a.failGets--
			a.mu.Unlock()
			a.answer(w, http.StatusBadGateway, false, nil, "Bad Gateway")
			return
		}
		if offset > 0 {
			kept := a.updates[:0]
			for _, u := range a.updates {
				if u.ID >= offset {
					kept = append(kept, u)
				}
			}
			a.updates = kept
		}
		n := min(len(a.updates), max(limit, 1))
		out := append([]botUpdate(nil), a.updates[:n]...)
		changed := a.changed
		a.mu.Unlock()
		if len(out) > 0 {
			a.answer(w, http.StatusOK, true, out, "")
			return
		}
		select {
		case <-changed:
		case <-deadline:
			a.answer(w, http.StatusOK, true, []botUpdate{}, "")
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (a *BotAPI) answer(w http.ResponseWriter, status int, ok bool, result any, description string) {
	body := map[string]any{"ok": ok}
	if ok {
		body["result"] = result
	} else {
		body["error_code"], body["description"] = status, description
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
