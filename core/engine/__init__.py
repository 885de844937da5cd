"""Picture generation: engines (VQGAN+CLIP, draft), schedule, cache, interpolation, rendering."""
