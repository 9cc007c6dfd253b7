package tui

import (
	"context"
	"errors"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"vitals/store"
)

// Actions on sources: syncing now, and the linking flows (link, relink,
// unlink, connect), which run outside Update.

// Messages of the actions.
type (
	// actionMsg is progress of a linking action: the address to show, or
	// its end.
	actionMsg struct {
		id   int
		url  string
		done bool
		err  error
		text string // what happened, for the status line
	}
	systemsMsg struct {
		account store.Account
		systems []store.System
		err     error
	}
	syncRequestedMsg struct {
		n   int
		err error
	}
)

// actionState is a linking action in progress.
type actionState struct {
	id     int
	title  string
	url    string
	ch     chan actionMsg
	cancel context.CancelFunc
	done   bool // cancelled, waiting for the action to return
}

// selectedAccount is the account chosen on Sources.
func (m *model) selectedAccount() (accountInfo, bool) {
	if m.data == nil || m.sourceSel >= len(m.data.accounts) || !slices.Contains(m.visibleSources(), m.sourceSel) {
		return accountInfo{}, false
	}
	return m.data.accounts[m.sourceSel], true
}

// syncNow asks the engine for a round of the profile's linked accounts,
// or of the selected one.
func (m *model) syncNow(selected bool) tea.Cmd {
	e := m.opts.Engine
	if e == nil {
		m.fail("Offline: nothing syncs in this window. Run `vitals sync` in a shell to sync linked accounts.")
		return nil
	}
	var ids []int64
	if selected {
		if m.tab != TabSources {
			m.say("Choose an account on %s, then press S; s syncs them all.", TabSources.ref())
			return nil
		}
		a, ok := m.selectedAccount()
		if !ok || !a.Syncs() {
			m.fail("The selected source does not sync (file imports and manual entries stay as they are).")
			return nil
		}
		ids = []int64{a.ID}
	} else if m.data != nil {
		for _, a := range m.data.accounts {
			if a.Syncs() && a.State != store.StateNeedsRelink {
				ids = append(ids, a.ID)
			}
		}
	}
	if len(ids) == 0 {
		m.fail("No linked account to sync: press a on %s to link one, or run `vitals link omron`.", TabSources.ref())
		return nil
	}
	return func() tea.Msg {
		e.SyncNow(ids...)
		return syncRequestedMsg{n: len(ids)}
	}
}

// Linking actions. Each runs in a goroutine started by its command; its
// messages come back through a channel that waitAction reads, one
// message per command, so Update never blocks.

func (m *model) openLinkMenu() tea.Cmd {
	if m.opts.Actions == nil {
		m.fail("Link accounts from a shell here: `vitals link omron` or `vitals link oneup`.")
		return nil
	}
	m.overlay = overlayLinkMenu
	return nil
}

func (m *model) startLink(p store.Provider) tea.Cmd {
	acts, prof := m.opts.Actions, m.profile
	title := "Linking " + store.Account{Provider: p}.Title()
	return m.startAction(title, func(ctx context.Context, show func(string)) (string, error) {
		a, err := acts.Link(ctx, prof, p, show)
		if err != nil {
			return "", err
		}
		return a.Title() + " is linked: its readings arrive with the next sync.", nil
	})
}

func (m *model) relink() tea.Cmd {
	a, ok := m.sourceForAction("relink")
	if !ok {
		return nil
	}
	acts := m.opts.Actions
	return m.startAction("Relinking "+a.Title(), func(ctx context.Context, show func(string)) (string, error) {
		if err := acts.Relink(ctx, a.Account, show); err != nil {
			return "", err
		}
		return a.Title() + " is linked again.", nil
	})
}

func (m *model) askUnlink() tea.Cmd {
	a, ok := m.sourceForAction("unlink")
	if !ok {
		return nil
	}
	m.confirm = &a
	m.overlay = overlayConfirm
	return nil
}

func (m *model) startUnlink(a store.Account) tea.Cmd {
	acts := m.opts.Actions
	return m.startAction("Unlinking "+a.Title(), func(ctx context.Context, _ func(string)) (string, error) {
		if err := acts.Unlink(ctx, a); err != nil {
			return "", err
		}
		return a.Title() + " is unlinked.", nil
	})
}

func (m *model) connect() tea.Cmd {
	a, ok := m.sourceForAction("connect")
	if !ok {
		return nil
	}
	if a.Provider != store.ProviderOneUp {
		m.fail("Systems connect through a 1upHealth account: select one (or link it with a, then u).")
		return nil
	}
	acts := m.opts.Actions
	m.say("Listing the systems %s can connect…", a.Title())
	parent := m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, time.Minute)
		defer cancel()
		systems, err := acts.Systems(ctx, a.Account)
		return systemsMsg{account: a.Account, systems: systems, err: err}
	}
}

func (m *model) startConnect(a store.Account, s store.System) tea.Cmd {
	acts := m.opts.Actions
	return m.startAction("Connecting "+s.Name, func(ctx context.Context, show func(string)) (string, error) {
		if err := acts.Connect(ctx, a, s, show); err != nil {
			return "", err
		}
		return s.Name + " is connected: 1upHealth fetches its data in the background.", nil
	})
}

// sourceForAction returns the selected account for an action that needs
// a linked account, or says why there is none.
func (m *model) sourceForAction(verb string) (accountInfo, bool) {
	if m.tab != TabSources {
		m.say("Choose an account on %s to %s it.", TabSources.ref(), verb)
		return accountInfo{}, false
	}
	if m.opts.Actions == nil {
		m.fail("Here, %s from a shell: `vitals %s --help` says how.", verb, verb)
		return accountInfo{}, false
	}
	a, ok := m.selectedAccount()
	if !ok || !a.Syncs() {
		m.fail("Select a linked Omron or 1upHealth account to %s.", verb)
		return accountInfo{}, false
	}
	return a, true
}

func (m *model) startAction(title string, run func(context.Context, func(string)) (string, error)) tea.Cmd {
	if m.action != nil {
		m.fail("%s is still running.", m.action.title)
		return nil
	}
	m.actionID++
	ctx, cancel := context.WithCancel(m.ctx)
	a := &actionState{id: m.actionID, title: title, ch: make(chan actionMsg, 4), cancel: cancel}
	m.action, m.overlay = a, overlayAction
	id, ch := a.id, a.ch
	start := func() tea.Msg {
		go func() {
			defer cancel()
			show := func(u string) {
				select {
				case ch <- actionMsg{id: id, url: u}:
				case <-ctx.Done():
				}
			}
			text, err := run(ctx, show)
			ch <- actionMsg{id: id, done: true, err: err, text: text}
		}()
		return <-ch
	}
	return start
}

func waitAction(ch chan actionMsg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

func (m *model) onAction(msg actionMsg) tea.Cmd {
	a := m.action
	if a == nil || msg.id != a.id {
		return nil
	}
	if !msg.done {
		a.url = msg.url
		return waitAction(a.ch)
	}
	m.action = nil
	if m.overlay == overlayAction {
		m.overlay = overlayNone
	}
	switch {
	case errors.Is(msg.err, context.Canceled):
		m.say("%s: cancelled.", a.title)
	case msg.err != nil:
		m.fail("%s failed: %v", a.title, msg.err)
	default:
		m.say("%s", msg.text)
	}
	return tea.Batch(m.loadCmd(), m.profilesCmd())
}
