"""Analysis adapters: the lens loader, number parsing and the offline (rule-based) analyzer."""
