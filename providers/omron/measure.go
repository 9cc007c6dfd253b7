package omron

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vitals/health"
	"vitals/providers"
)

// Query is one request to the measurement API.
type Query struct {
	Type Type
	// Since is the first local date wanted, sent as yyyy-MM-dd (the API
	// filters on the user's local date).
	Since health.Date
	// Limit is the page size; 0 leaves it to the server.
	Limit int
	// PaginationKey continues a walk begun with the same Since; "" asks
	// for its first page.
	PaginationKey string
}

// Result is one page of one type.
type Result struct {
	Batch   health.Batch
	Ignored map[string]int // items that did not decode, by reason
	// PaginationKey asks for the next page; "" (a null or absent key)
	// means this was the last page.
	PaginationKey string
	// Truncated is the legacy flag: more readings follow, to be asked for
	// with Since set to the last reading's date.
	Truncated bool
	Items     int         // items on the page, decoded or not
	Last      health.Date // the newest local date among the decoded items
}

// APIError is a measurement answer whose status is not 0: Omron reports
// a refusal in the body of a successful HTTP answer. It wraps the
// *providers.StatusError every vendor's refusal is, holding the HTTP
// status, the body's errorCode (Code) and reason (Reason), so that
// errors.As finds a *providers.StatusError for either vendor; Status is
// Omron's own code beside them. Omron's list of status codes is not
// public: Code and Reason are passed on as they came.
type APIError struct {
	*providers.StatusError
	Status int // the body's status
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s: Omron answered status %d", e.Op, e.Status)
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Unwrap returns the *providers.StatusError.
func (e *APIError) Unwrap() error { return e.StatusError }

// resultArray is the member of result holding a type's items.
func (t Type) resultArray() string {
	if t == BloodPressure {
		return "bloodPressure"
	}
	return string(t)
}

// Measurements asks for one page of readings with the account's access
// token: a form POST as the guide describes, oldest first, with hourly
// activity. creds refreshes the token when due and once after a 401; a
// second 401 is providers.ErrNeedsRelink.
func (c *Client) Measurements(ctx context.Context, creds *providers.Credentials, q Query) (Result, error) {
	op := fmt.Sprintf("omron: fetch %s page", q.Type)
	form := url.Values{
		"type":      {string(q.Type)},
		"since":     {q.Since.String()},
		"sortOrder": {"asc"},
	}
	if q.Limit > 0 {
		form.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Type == Activity {
		form.Set("includeHourlyActivity", "true")
	}
	if q.PaginationKey != "" {
		form.Set(q.Type.PaginationKey(), q.PaginationKey)
	}
	body := form.Encode()
	resp, err := creds.Do(ctx, c.hc, op, func(ctx context.Context, accessToken string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.APIURL, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+accessToken)
		return req, nil
	})
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	var top map[string]json.RawMessage
	if err := providers.DecodeJSON(op, resp.Body, &top); err != nil {
		return Result{}, err
	}
	return decodeMeasurements(op, resp.StatusCode, q.Type, top, c.now())
}

// decodeMeasurements reads the API's envelope, which came with HTTP
// status httpStatus:
//
//	{"status": 0, "result": {"bloodPressure": [...],
//	 "paginationKey": {"bloodpressurePaginationKey": 1643906653000},
//	 "truncated": false, "measurementCount": 1}}
func decodeMeasurements(op string, httpStatus int, t Type, top map[string]json.RawMessage, now time.Time) (Result, error) {
	f := &fields{m: top}
	status := f.str("status")
	if f.err != nil { // an object or array where the status belongs
		return Result{}, providers.Temporary(fmt.Errorf("%s: malformed response: %w", op, f.err))
	}
	if status != "" && status != "0" {
		n, err := strconv.Atoi(status)
		if err != nil {
			return Result{}, providers.Temporary(fmt.Errorf("%s: malformed response: status %s is not a number", op, providers.VendorText(strconv.Quote(status), 20)))
		}
		return Result{}, &APIError{Status: n, StatusError: &providers.StatusError{Op: op, StatusCode: httpStatus,
			Code: providers.VendorText(f.str("errorCode"), 100), Reason: providers.VendorText(f.str("reason"), 200)}}
	}
	_, raw, ok := f.get("result")
	if !ok {
		if status == "" {
			return Result{}, providers.Temporary(fmt.Errorf("%s: malformed response: neither status nor result", op))
		}
		return Result{}, nil // status 0 and nothing to report
	}
	rf, err := objectFields(raw, "result.")
	if err != nil {
		return Result{}, providers.Temporary(fmt.Errorf("%s: malformed response: result %w", op, err))
	}
	items := rf.array(t.resultArray())
	if items == nil && rf.err == nil {
		items = rf.array(string(t)) // the type's own spelling, in any case
	}
	var res Result
	if _, pk, ok := rf.get("paginationKey"); ok {
		kf, err := objectFields(pk, "result.paginationKey.")
		if err != nil {
			return Result{}, providers.Temporary(fmt.Errorf("%s: malformed response: paginationKey %w", op, err))
		}
		res.PaginationKey = kf.str(t.PaginationKey())
		if kf.err != nil {
			return Result{}, providers.Temporary(fmt.Errorf("%s: malformed response: %w", op, kf.err))
		}
	}
	res.Truncated = rf.flag("truncated")
	if rf.err != nil {
		return Result{}, providers.Temporary(fmt.Errorf("%s: malformed response: %w", op, rf.err))
	}
	res.Items = len(items)
	res.Batch, res.Ignored, res.Last = decodeItems(t, items, now)
	return res, nil
}
