"""The tool in its neighbours' formats: the spaCy component and tokenizer, Label Studio, doccano
and DocBin exchange."""
