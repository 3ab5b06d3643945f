"""Fine-tune runs on the gpu queue: LoRA training of the student on a dataset, then its evaluation."""
