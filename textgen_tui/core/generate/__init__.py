"""Generation: the sampler, the generator that streams text from a numpy network, the service
that caches models for both shells and follows the live run, and the Write pane's co-writer."""
