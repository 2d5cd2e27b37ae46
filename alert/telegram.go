package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/nicholas-fedor/shoutrrr/pkg/services/chat/telegram"
)

// telegramAPI is the Bot API's address; tests point it elsewhere.
var telegramAPI = "https://api.telegram.org"

// telegramSender posts messages to the Telegram Bot API with the settings
// of a shoutrrr telegram:// URL, read by shoutrrr's own parser.
type telegramSender struct {
	cfg *telegram.Config
}

func newTelegram(raw string) (*telegramSender, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	cfg := &telegram.Config{Preview: true, Notification: true}
	if err := cfg.SetURL(u); err != nil {
		return nil, err
	}
	if len(cfg.Chats) == 0 {
		return nil, errors.New("no chats= given")
	}
	return &telegramSender{cfg: cfg}, nil
}

// TelegramBot is the bot token of the first telegram:// URL of urls and
// the chats it names by number (a channel named @name cannot be matched
// with a message's chat, which has a number; a chat:thread is its chat);
// "" without such a URL.
func TelegramBot(urls []string) (token string, chats []int64, err error) {
	for _, raw := range urls {
		if serviceOf(raw) != "telegram" {
			continue
		}
		s, err := newTelegram(raw)
		if err != nil {
			return "", nil, err
		}
		for _, c := range s.cfg.Chats {
			id, _, _ := strings.Cut(c, ":")
			if n, err := strconv.ParseInt(id, 10, 64); err == nil && !slices.Contains(chats, n) {
				chats = append(chats, n)
			}
		}
		return s.cfg.Token, chats, nil
	}
	return "", nil, nil
}

// telegramMessage is the body of sendMessage.
type telegramMessage struct {
	ChatID              string `json:"chat_id"`
	ThreadID            *int   `json:"message_thread_id,omitempty"`
	Text                string `json:"text"`
	ParseMode           string `json:"parse_mode,omitempty"`
	DisablePreview      bool   `json:"disable_web_page_preview"`
	DisableNotification bool   `json:"disable_notification"`
}

// send posts text to every chat of the URL, in order; it fails at the
// first chat that does not take it. Each post is bounded by the bounded
// http.DefaultTransport.
func (s *telegramSender) send(text string) error {
	ctx := context.Background()
	for _, chat := range s.cfg.Chats {
		msg := telegramMessage{Text: text, DisablePreview: !s.cfg.Preview, DisableNotification: !s.cfg.Notification}
		msg.ChatID = chat
		if id, thread, ok := strings.Cut(chat, ":"); ok {
			if n, err := strconv.Atoi(thread); err == nil {
				msg.ChatID, msg.ThreadID = id, &n
			}
		}
		mode := s.cfg.ParseMode
		if mode == telegram.ParseModes.None && s.cfg.Title != "" {
			mode, msg.Text = telegram.ParseModes.HTML, html.EscapeString(text)
		}
		if mode != telegram.ParseModes.None {
			msg.ParseMode = mode.String()
		}
		if mode == telegram.ParseModes.HTML && s.cfg.Title != "" {
			msg.Text = fmt.Sprintf("<b>%s</b>\n%s", html.EscapeString(s.cfg.Title), msg.Text)
		}
		if err := s.post(ctx, msg); err != nil {
			return err
		}
	}
	return nil
}

func (s *telegramSender) post(ctx context.Context, msg telegramMessage) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, telegramAPI+"/bot"+s.cfg.Token+"/sendMessage", bytes.NewReader(body))
	if err != nil {
		return errors.New("invalid token")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// The url.Error holds the URL, and the URL the token.
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			err = uerr.Err
		}
		return fmt.Errorf("sending to %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	var answer struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	jerr := json.Unmarshal(b, &answer)
	if resp.StatusCode == http.StatusOK && jerr == nil && answer.OK {
		return nil
	}
	why := answer.Description
	if why == "" {
		why = "no Bot API answer"
	}
	return fmt.Errorf("%s answered %s: %.200s", req.URL.Host, resp.Status, why)
}
