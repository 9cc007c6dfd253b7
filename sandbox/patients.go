package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"vitals/providers/omron/omronsim"
	"vitals/providers/oneup/oneupsim"
)

// Patient is one patient of the sandbox: an Omron user and, when the
// sandbox was seeded (Options.Patients), the 1upHealth user of the same
// index.
type Patient struct {
	Index int              `json:"index"`
	Omron omronsim.Patient `json:"omron"`
	OneUp *oneupsim.User   `json:"oneup,omitempty"`
}

// Patients lists the sandbox's patients in order: with Options.Patients
// = N, patient i is Patients()[i], signing in to Omron as
// omronsim.SeededEmail(i) and 1upHealth user oneupsim.SeededAppUserID(i).
// Without it, the one sandbox patient (and no 1upHealth user).
func (s *Sandbox) Patients() []Patient {
	users := s.OneUp.SeededUsers()
	out := []Patient{}
	for i, p := range s.Omron.Patients() {
		e := Patient{Index: i, Omron: p}
		if i < len(users) {
			e.OneUp = &users[i]
		}
		out = append(out, e)
	}
	return out
}

// patientJSON is how GET /_sandbox/patients writes a patient: the Omron
// part with lower-case names, as the rest of the sandbox's JSON.
type patientJSON struct {
	Index int            `json:"index"`
	Omron omronJSON      `json:"omron"`
	OneUp *oneupsim.User `json:"oneup,omitempty"`
}

type omronJSON struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Zone     string `json:"zone"`
}

// patients serves GET /_sandbox/patients: {"patients": [...]}, in order,
// so that a script or a browser test against `vitals sandbox` finds
// patient i's credentials.
func (s *Sandbox) patients(w http.ResponseWriter, _ *http.Request) {
	ps := s.Patients()
	out := make([]patientJSON, len(ps))
	for i, p := range ps {
		out[i] = patientJSON{Index: p.Index, OneUp: p.OneUp, Omron: omronJSON{
			ID: p.Omron.ID, Email: p.Omron.Email, Password: p.Omron.Password, Name: p.Omron.Name, Zone: p.Omron.Zone,
		}}
	}
	writeJSON(w, http.StatusOK, map[string]any{"patients": out})
}

// connect serves POST /_sandbox/oneup/connect: the in-process
// ConnectPatient and ConnectSystem, for a sandbox in another process.
func (s *Sandbox) connect(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppUserID string `json:"app_user_id"`
		Patient   *int   `json:"patient"`
		Systems   []int  `json:"systems"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "connect body: " + err.Error()})
		return
	}
	if req.AppUserID == "" || (req.Patient == nil) == (len(req.Systems) == 0) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"app_user_id": "...", "patient": 42} or {"app_user_id": "...", "systems": [4709]}`})
		return
	}
	if err := s.connectOneUp(req.AppUserID, req.Patient, req.Systems); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"app_user_id": req.AppUserID, "systems": s.OneUp.ConnectedSystems(req.AppUserID)})
}

func (s *Sandbox) connectOneUp(appUserID string, patient *int, systems []int) error {
	if patient != nil {
		if err := s.OneUp.ConnectPatient(appUserID, *patient); err != nil {
			return fmt.Errorf("connect patient %d: %w", *patient, err)
		}
		return nil
	}
	for _, id := range systems {
		if err := s.OneUp.ConnectSystem(appUserID, id); err != nil {
			return fmt.Errorf("connect system %d: %w", id, err)
		}
	}
	return nil
}
