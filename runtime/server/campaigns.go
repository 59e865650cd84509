package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/vm/currency"
)

// Campaign is a campaign's status and budgets, as GET /v1/campaigns and
// promoc campaigns status --json write it. Amounts are decimal strings,
// exact.
type Campaign struct {
	Campaign string     `json:"campaign"`
	Status   string     `json:"status"`
	Reason   string     `json:"reason,omitempty"`
	Since    *time.Time `json:"since,omitempty"`
	Budgets  []Budget   `json:"budgets"`
	// Notes says what an operator may not have meant, in the answer to
	// the change that did it only (a budget in a currency the rules do
	// not serve); never in the audit log.
	Notes []string `json:"notes,omitempty"`
}

// Budget is one of a campaign's budget accounts, as Campaign lists them.
type Budget struct {
	Currency string `json:"currency"`
	Limit    string `json:"limit"`
	Posted   string `json:"posted"`
	Reserved string `json:"reserved"`
	Left     string `json:"left"`
}

// CampaignOf writes the status and budgets of campaign name as the store
// gives them.
func CampaignOf(name string, c store.Campaign, bs []store.Budget) Campaign {
	j := Campaign{Campaign: name, Status: string(c.Status), Reason: c.Reason, Budgets: []Budget{}}
	if !c.Since.IsZero() {
		t := c.Since.UTC()
		j.Since = &t
	}
	for _, b := range bs {
		j.Budgets = append(j.Budgets, Budget{Currency: b.Currency, Limit: b.Amount(b.Limit), Posted: b.Amount(b.Posted),
			Reserved: b.Amount(b.Reserved), Left: b.Amount(b.Left())})
	}
	return j
}

// campaignNames lists the campaigns of the running rules (a campaign, or a
// rule with a budget) and those the store knows, sorted.
func (s *Server) campaignNames(ctx context.Context) ([]string, error) {
	names, err := s.st.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range s.program().Rules() {
		if r.Campaign || len(r.Budget) > 0 {
			names = append(names, r.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// known says whether name is a rule of the running rules (any automation
// rule or campaign: every outcome carries its rule as its campaign, so a
// rule without a budget is suspended too) or a campaign of the store;
// otherwise it is a 404.
func (s *Server) known(ctx context.Context, name string) error {
	if slices.ContainsFunc(s.program().Rules(), func(r *runtime.Rule) bool { return r.Name == name }) {
		return nil
	}
	names, err := s.campaignNames(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(names, name) {
		for _, r := range s.program().Rules() {
			names = append(names, r.Name)
		}
		slices.Sort(names)
		return errorf(http.StatusNotFound, CodeNotFound, "campaign %q: not a campaign of the rules, nor of the database (%s)", name, KnownCampaigns(name, slices.Compact(names))).with("campaign", name)
	}
	return nil
}

// knownShown is how many names KnownCampaigns lists.
const knownShown = 5

// KnownCampaigns says, for a campaign name that is not known, which are:
// the likely one when a known name is close (did you mean "welcome"?),
// or else the first of them in the order given, sorted by the caller
// (known: "a", "b", "c", "d", "e" and 3 more), or that none is. The API's
// 404 and promoc campaigns write it, so a typo can be fixed without a
// second call.
func KnownCampaigns(name string, known []string) string {
	if len(known) == 0 {
		return "no campaign is known"
	}
	if s := lang.Suggest(name, known); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	shown := known[:min(len(known), knownShown)]
	q := make([]string, len(shown))
	for i, n := range shown {
		q[i] = strconv.Quote(n)
	}
	out := "known: " + strings.Join(q, ", ")
	if more := len(known) - len(shown); more > 0 {
		out += fmt.Sprintf(" and %d more", more)
	}
	return out
}

// campaignOf reads the status and budgets of a campaign from st: the
// store, or a transaction of it.
func ReadCampaign(ctx context.Context, st store.Store, name string) (Campaign, error) {
	c, err := st.Campaign(ctx, name)
	if err != nil {
		return Campaign{}, err
	}
	bs, err := st.Budgets(ctx, name)
	if err != nil {
		return Campaign{}, err
	}
	return CampaignOf(name, c, bs), nil
}

func (s *Server) getCampaigns(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	names, err := s.campaignNames(ctx)
	if err != nil {
		return 0, nil, err
	}
	list := []Campaign{}
	for _, n := range names {
		c, err := ReadCampaign(ctx, s.st, n)
		if err != nil {
			return 0, nil, err
		}
		list = append(list, c)
	}
	return http.StatusOK, struct {
		Campaigns []Campaign `json:"campaigns"`
	}{list}, nil
}

func (s *Server) getCampaign(ctx context.Context, q *request) (int, any, error) {
	name := q.PathValue("name")
	if err := s.known(ctx, name); err != nil {
		return 0, nil, err
	}
	c, err := ReadCampaign(ctx, s.st, name)
	return http.StatusOK, c, err
}

func (s *Server) postSuspend(ctx context.Context, q *request) (int, any, error) {
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeBody(q.body, &body); err != nil {
		return 0, nil, err
	}
	if body.Reason == "" {
		body.Reason = "operator"
	}
	if body.Reason == store.ReasonBudgetExhausted {
		return 0, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidParameter,
			"reason: %q is the engine's own reason for a campaign its budget stopped (a raise of the budget lifts it): give another", body.Reason).with("field", "reason")
	}
	name := q.PathValue("name")
	if err := s.known(ctx, name); err != nil {
		return 0, nil, err
	}
	var c Campaign
	err := s.audited(ctx, q, "campaign.suspend", func(tx store.Store) (string, any, any, error) {
		before, err := ReadCampaign(ctx, tx, name)
		if err != nil {
			return "", nil, nil, err
		}
		if err := tx.Suspend(ctx, name, body.Reason, s.now()); err != nil {
			return "", nil, nil, err
		}
		c, err = ReadCampaign(ctx, tx, name)
		return name, before, c, err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
}

// errUnchanged ends the transaction of a change that changes nothing, so
// that the audit log gets no entry for it.
var errUnchanged = errors.New("unchanged")

func (s *Server) postResume(ctx context.Context, q *request) (int, any, error) {
	if err := decodeBody(q.body, &struct{}{}); err != nil {
		return 0, nil, err
	}
	name := q.PathValue("name")
	if err := s.known(ctx, name); err != nil {
		return 0, nil, err
	}
	var c Campaign
	err := s.audited(ctx, q, "campaign.resume", func(tx store.Store) (string, any, any, error) {
		before, err := ReadCampaign(ctx, tx, name)
		if err != nil {
			return "", nil, nil, err
		}
		if before.Status != string(store.Suspended) {
			// Active already: nothing changes, its since stays, and the
			// audit log, which holds changes, gets no entry (as promoc
			// campaigns resume).
			c = before
			return "", nil, nil, errUnchanged
		}
		if err := tx.Resume(ctx, name, s.now()); err != nil {
			return "", nil, nil, err
		}
		c, err = ReadCampaign(ctx, tx, name)
		return name, before, c, err
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
}

// putBudget opens or changes a campaign's budget in a currency. The limit
// is an exact decimal (a string, or a JSON number read as its text) of at
// most store.Scale decimals, not below what is posted and reserved.
func (s *Server) putBudget(ctx context.Context, q *request) (int, any, error) {
	return s.setBudget(ctx, q, q.PathValue("currency"))
}

// putCountBudget opens or changes the budget without a currency of a rule
// giving points, gems, diamonds (their number) or templates (one each),
// as putBudget does one in a currency.
func (s *Server) putCountBudget(ctx context.Context, q *request) (int, any, error) {
	return s.setBudget(ctx, q, "")
}

// setBudget is putBudget in currency cur, "" for the budget without one.
func (s *Server) setBudget(ctx context.Context, q *request, cur string) (int, any, error) {
	var body struct {
		Limit json.RawMessage `json:"limit"`
	}
	if err := decodeBody(q.body, &body); err != nil {
		return 0, nil, err
	}
	name := q.PathValue("name")
	in := "in " + cur
	if cur == "" {
		in = "without a currency"
	}
	if len(body.Limit) == 0 || string(body.Limit) == "null" {
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "limit: missing: the budget's limit, a decimal string such as \"5000.00\"").with("field", "limit")
	}
	if c := body.Limit[0]; c != '"' && c != '-' && (c < '0' || c > '9') {
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "limit: expected a decimal string such as \"5000.00\", found %s", clipped(string(body.Limit))).with("field", "limit")
	}
	limit, err := budgetLimit(body.Limit)
	if err != nil {
		return 0, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidAmount, "limit: %v", err).with("field", "limit")
	}
	if cur != "" && !currency.Known(cur) {
		return 0, nil, errorf(http.StatusUnprocessableEntity, CodeInvalidAmount, "currency %q: expected an ISO 4217 code such as EUR", cur).with("field", "currency")
	}
	if err := s.known(ctx, name); err != nil {
		return 0, nil, err
	}
	var c Campaign
	err = s.audited(ctx, q, "campaign.budget", func(tx store.Store) (string, any, any, error) {
		before, err := ReadCampaign(ctx, tx, name)
		if err != nil {
			return "", nil, nil, err
		}
		if same, err := BudgetUnchanged(ctx, tx, name, cur, limit.Decimal); err != nil || same {
			c = before
			return "", nil, nil, cmp.Or(err, errUnchanged) // no entry, as a resume of an active campaign
		}
		if err := tx.SetBudget(ctx, name, cur, limit.Decimal, s.now()); err != nil {
			return "", nil, nil, err
		}
		c, err = ReadCampaign(ctx, tx, name)
		target := name + "/" + cur
		if cur == "" {
			target = name
		}
		return target, before, c, err
	})
	if errors.Is(err, errUnchanged) {
		err = nil
	}
	if err == nil {
		if note := UnservedBudget("the rules", s.program().Currencies(), cur); note != "" {
			c.Notes = append(c.Notes, note)
		}
	}
	if errors.Is(err, store.ErrBudgetBelowSpent) {
		return 0, nil, errorf(http.StatusConflict, CodeBudgetBelowSpent, "budget of %s %s: %s is below what is posted and reserved", name, in, limit).
			with("campaign", name).with("currency", cur)
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
}

// UnservedBudget is the note on a budget opened or changed in currency
// cur when the rules serve currencies and cur is not one of them: no
// reward of theirs is paid in it, so the budget limits nothing until
// rules that serve it run. It is legitimate (a budget may be opened before
// the rules that use it), so a note, not an error; "" when cur is served,
// or for the budget without a currency. rules names them ("the rules").
func UnservedBudget(rules string, served []string, cur string) string {
	if cur == "" || len(served) == 0 || slices.Contains(served, cur) {
		return ""
	}
	return fmt.Sprintf("%s serve no %s (they serve %s): the budget limits nothing until rules that serve it run", rules, cur, strings.Join(served, ", "))
}

// BudgetUnchanged reports whether campaign name's budget in cur ("" for
// the one without a currency) is open with limit already (by value: 1000
// is 1000.00). Setting it again changes nothing (a campaign its budget
// suspended stays suspended, as for a limit set lower), so the API and
// promoc campaigns budget record no audit entry for it.
func BudgetUnchanged(ctx context.Context, st store.Store, name, cur string, limit decimal.Decimal) (bool, error) {
	bs, err := st.Budgets(ctx, name)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(bs, func(b store.Budget) bool { return b.Currency == cur && b.Limit.Equal(limit) }), nil
}

// budgetLimitRE is a limit as promoc campaigns budget takes it: digits
// with an optional decimal point; no sign, exponent or blank.
var budgetLimitRE = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// budgetLimit reads a budget's limit, a JSON string or number, exactly:
// "1e3" is not a thousand but an error.
func budgetLimit(raw json.RawMessage) (engine.Number, error) {
	text := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return engine.Number{}, err
		}
	}
	if !budgetLimitRE.MatchString(text) {
		return engine.Number{}, fmt.Errorf("%s: expected an exact decimal such as \"5000.00\": digits with an optional decimal point, no sign or exponent", strconv.Quote(clipped(text)))
	}
	d, err := decimal.NewFromString(text)
	if err != nil {
		return engine.Number{}, err
	}
	if _, err := store.Units(d); err != nil {
		return engine.Number{}, err
	}
	return engine.Number{Decimal: d}, nil
}

// clipped is at most 40 bytes of s, for an error message.
func clipped(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
