"""One adapter per analysis provider, all behind `AnalysisProvider`."""
