package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/promoc/promoc/runtime/bonus"
	"github.com/promoc/promoc/runtime/store"
)

// bonuses is the store's lifecycle of bonuses, with the bonuses issued
// since the last call taken from the outcome log first, so that a status
// event finds a bonus issued a moment ago.
func (s *Server) bonuses(ctx context.Context) (store.Bonuses, error) {
	bs, ok := s.st.(store.Bonuses)
	if !ok {
		return nil, fmt.Errorf("the store (%T) keeps no bonuses", s.st)
	}
	if _, err := bonus.Sync(ctx, s.st, bs); err != nil {
		return nil, fmt.Errorf("taking the bonuses from the outcome log: %w", err)
	}
	return bs, nil
}

// statusError is the API's error of a status event that is not valid.
func statusError(prefix string, err error) error {
	var fe *bonus.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	field := prefix + fe.Field
	if fe.Field == "" {
		field = prefix
	}
	e := errorf(http.StatusUnprocessableEntity, CodeInvalidBonusEvent, "%s", (&bonus.FieldError{Field: field, Msg: fe.Msg}).Error())
	if field != "" {
		e = e.with("field", field)
	}
	return e
}

// postBonusStatus applies one status event to the bonus of the path.
func (s *Server) postBonusStatus(ctx context.Context, q *request) (int, any, error) {
	ev, err := bonus.DecodeEvent(q.body, q.PathValue("id"), s.now())
	if err != nil {
		return 0, nil, statusError("", err)
	}
	bs, err := s.bonuses(ctx)
	if err != nil {
		return 0, nil, err
	}
	rs, err := bs.ReportStatus(ctx, []store.BonusEvent{ev})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, bonus.Result(ev.ID, rs[0]), nil
}

// postBonusEvents applies a batch of status events, in order, in one
// transaction.
func (s *Server) postBonusEvents(ctx context.Context, q *request) (int, any, error) {
	raws, err := s.splitEvents(q.body)
	if err != nil {
		return 0, nil, err
	}
	evs := make([]store.BonusEvent, len(raws))
	for i, raw := range raws {
		if evs[i], err = bonus.DecodeEvent(raw, "", s.now()); err != nil {
			return 0, nil, statusError(fmt.Sprintf("[%d].", i), err)
		}
	}
	bs, err := s.bonuses(ctx)
	if err != nil {
		return 0, nil, err
	}
	rs, err := bs.ReportStatus(ctx, evs)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Results []bonus.ResultJSON `json:"results"`
	}{make([]bonus.ResultJSON, len(rs))}
	for i, r := range rs {
		out.Results[i] = bonus.Result(evs[i].ID, r)
	}
	return http.StatusOK, out, nil
}

// getBonuses lists bonuses after a sequence number, of one campaign or all.
func (s *Server) getBonuses(ctx context.Context, q *request) (int, any, error) {
	p := queryOf(q, "after", "limit", "campaign")
	after := p.int64("after", 0, 0, 1<<62)
	limit := int(p.int64("limit", 100, 1, pageLimit))
	if p.err != nil {
		return 0, nil, p.err
	}
	bs, err := s.bonuses(ctx)
	if err != nil {
		return 0, nil, err
	}
	list, err := bs.ListBonuses(ctx, p.v.Get("campaign"), after, limit)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Bonuses []bonus.BonusJSON `json:"bonuses"`
		Next    int64             `json:"next"`
	}{Bonuses: make([]bonus.BonusJSON, len(list)), Next: after}
	for i, b := range list {
		out.Bonuses[i], out.Next = bonus.JSON(b), b.Seq
	}
	return http.StatusOK, out, nil
}

// getBonus is one bonus with its status events.
func (s *Server) getBonus(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	id := q.PathValue("id")
	bs, err := s.bonuses(ctx)
	if err != nil {
		return 0, nil, err
	}
	b, ok, err := bs.Bonus(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, errorf(http.StatusNotFound, CodeNotFound, "bonus %q: no such bonus", id).with("bonus", id)
	}
	out := struct {
		Bonus  bonus.BonusJSON    `json:"bonus"`
		Events []bonus.RecordJSON `json:"events"`
	}{Bonus: bonus.JSON(b), Events: []bonus.RecordJSON{}}
	for after := int64(0); ; {
		page, err := bs.BonusEvents(ctx, id, after, pageLimit)
		if err != nil {
			return 0, nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			out.Events = append(out.Events, bonus.Record(e, b))
		}
		after = page[len(page)-1].Seq
	}
	return http.StatusOK, out, nil
}

// getBonusEvents is the feed of status events received, each with its
// bonus's references (for a bonus Fast Track asked to credit, its
// fasttrack_references unchanged).
func (s *Server) getBonusEvents(ctx context.Context, q *request) (int, any, error) {
	p := queryOf(q, "after", "limit", "bonus")
	after := p.int64("after", 0, 0, 1<<62)
	limit := int(p.int64("limit", 100, 1, pageLimit))
	if p.err != nil {
		return 0, nil, p.err
	}
	bs, err := s.bonuses(ctx)
	if err != nil {
		return 0, nil, err
	}
	page, err := bs.BonusEvents(ctx, p.v.Get("bonus"), after, limit)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Events []bonus.RecordJSON `json:"events"`
		Next   int64              `json:"next"`
	}{Events: make([]bonus.RecordJSON, len(page)), Next: after}
	cache := map[string]store.Bonus{}
	for i, e := range page {
		b, ok := cache[e.Bonus]
		if !ok && e.Bonus != "" {
			if b, _, err = bs.Bonus(ctx, e.Bonus); err != nil {
				return 0, nil, err
			}
			cache[e.Bonus] = b
		}
		out.Events[i], out.Next = bonus.Record(e, b), e.Seq
	}
	return http.StatusOK, out, nil
}

// getBonusAnomalies lists the status events kept as anomalies.
func (s *Server) getBonusAnomalies(ctx context.Context, q *request) (int, any, error) {
	after, limit, err := page(q)
	if err != nil {
		return 0, nil, err
	}
	bs, err := s.bonuses(ctx)
	if err != nil {
		return 0, nil, err
	}
	list, err := bs.BonusAnomalies(ctx, after, limit)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Anomalies []bonus.AnomalyJSON `json:"anomalies"`
		Next      int64               `json:"next"`
	}{Anomalies: make([]bonus.AnomalyJSON, len(list)), Next: after}
	for i, a := range list {
		out.Anomalies[i], out.Next = bonus.Anomaly(a), a.Seq
	}
	return http.StatusOK, out, nil
}

// getBonusReport is the report of bonuses per campaign and currency.
func (s *Server) getBonusReport(ctx context.Context, q *request) (int, any, error) {
	p := queryOf(q, "campaign")
	if p.err != nil {
		return 0, nil, p.err
	}
	bs, err := s.bonuses(ctx)
	if err != nil {
		return 0, nil, err
	}
	r, err := bonus.Totals(ctx, bs, p.v.Get("campaign"))
	return http.StatusOK, r, err
}
