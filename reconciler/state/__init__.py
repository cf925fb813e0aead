"""What tailor owns: the versioned state document and its stores. Knows nothing of plans or HTTP."""
