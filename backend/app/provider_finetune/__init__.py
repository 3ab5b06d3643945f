"""Fine-tuning through a provider's API (OpenAI, a Together-style service): runs, worker task, endpoints."""
