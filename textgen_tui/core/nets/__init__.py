"""Networks: the Keras backend and its devices, the Keras model, batches from the id array,
truncated backpropagation through time, the sampled softmax, and the numpy copy of a network."""
