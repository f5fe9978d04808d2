package linkeddata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Settings are what `sportello serve --linked-data FILE` reads: the dataset's description for
// the catalogues and the endpoint's limits. Every field is optional.
type Settings struct {
	Dataset Config
	Limits  Limits
	Remote  Remote
}

// Remote is the configuration of the remote sources (package harvest): which hosts may be
// fetched, the limits, and the sites harvested on a schedule.
type Remote struct {
	AllowHosts []string
	MaxBytes   int64
	Timeout    time.Duration
	Every      time.Duration // between harvests
	Sources    []RemoteSource
}

// RemoteSource is a site whose sitemap's pages are harvested.
type RemoteSource struct {
	Name, Sitemap string
	MaxPages      int
}

// settingsFile is the JSON form, with durations as text ("20s") and Italian-friendly names
// documented in the README.
type settingsFile struct {
	Title        string   `json:"title"`
	Description  string   `json:"description"`
	Publisher    agentJS  `json:"publisher"`
	RightsHolder agentJS  `json:"rightsHolder"`
	License      string   `json:"license"`
	LicenseName  string   `json:"licenseName"`
	Themes       []string `json:"themes"`
	ContactEmail string   `json:"contactEmail"`
	Identifier   string   `json:"identifier"`
	SPARQL       struct {
		Timeout string `json:"timeout"`
		MaxRows int    `json:"maxRows"`
	} `json:"sparql"`
	Remote struct {
		AllowHosts []string `json:"allowHosts"`
		MaxBytes   int64    `json:"maxBytes"`
		Timeout    string   `json:"timeout"`
		Every      string   `json:"every"`
		Sources    []struct {
			Name     string `json:"name"`
			Sitemap  string `json:"sitemap"`
			MaxPages int    `json:"maxPages"`
		} `json:"sources"`
	} `json:"remote"`
}

type agentJS struct {
	Name string `json:"name"`
	ID   string `json:"ipa"`
	IRI  string `json:"iri"`
}

// LoadSettings reads the settings file; errors are Italian and name the file.
func LoadSettings(path string) (Settings, error) {
	var st Settings
	b, err := os.ReadFile(path)
	if err != nil {
		return st, fmt.Errorf("%s: impossibile leggere il file: %w", path, err)
	}
	var f settingsFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return st, fmt.Errorf("%s: JSON non valido: %v", path, err)
	}
	st.Dataset = Config{Title: f.Title, Description: f.Description, License: f.License, LicenseName: f.LicenseName,
		Themes: f.Themes, ContactEmail: f.ContactEmail, Identifier: f.Identifier,
		Publisher:    Agent{Name: f.Publisher.Name, ID: f.Publisher.ID, IRI: f.Publisher.IRI},
		RightsHolder: Agent{Name: f.RightsHolder.Name, ID: f.RightsHolder.ID, IRI: f.RightsHolder.IRI}}
	for _, t := range f.Themes {
		if len(t) != 4 {
			return st, fmt.Errorf("%s: tema %q non valido: usare i codici di quattro lettere del vocabolario europeo data-theme (per esempio GOVE, SOCI, HEAL)", path, t)
		}
	}
	if f.SPARQL.Timeout != "" {
		d, err := time.ParseDuration(f.SPARQL.Timeout)
		if err != nil || d <= 0 {
			return st, fmt.Errorf("%s: sparql.timeout %q non valido: usare per esempio \"20s\"", path, f.SPARQL.Timeout)
		}
		st.Limits.Timeout = d
	}
	if f.SPARQL.MaxRows < 0 {
		return st, fmt.Errorf("%s: sparql.maxRows deve essere positivo", path)
	}
	st.Limits.MaxRows = f.SPARQL.MaxRows
	r := f.Remote
	st.Remote = Remote{AllowHosts: r.AllowHosts, MaxBytes: r.MaxBytes}
	for name, v := range map[string]*time.Duration{"remote.timeout": &st.Remote.Timeout, "remote.every": &st.Remote.Every} {
		text := map[string]string{"remote.timeout": r.Timeout, "remote.every": r.Every}[name]
		if text == "" {
			continue
		}
		d, err := time.ParseDuration(text)
		if err != nil || d <= 0 {
			return st, fmt.Errorf("%s: %s %q non valido: usare per esempio \"30s\" o \"24h\"", path, name, text)
		}
		*v = d
	}
	if r.MaxBytes < 0 {
		return st, fmt.Errorf("%s: remote.maxBytes deve essere positivo", path)
	}
	for i, src := range r.Sources {
		if src.Name == "" || src.Sitemap == "" {
			return st, fmt.Errorf("%s: remote.sources[%d]: servono name e sitemap", path, i)
		}
		st.Remote.Sources = append(st.Remote.Sources, RemoteSource{Name: src.Name, Sitemap: src.Sitemap, MaxPages: src.MaxPages})
	}
	if len(st.Remote.Sources) > 0 && len(st.Remote.AllowHosts) == 0 {
		return st, fmt.Errorf("%s: remote.sources senza remote.allowHosts: elencare gli host da cui si può scaricare", path)
	}
	return st, nil
}
