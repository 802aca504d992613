"""Who may do what: roles and permissions, the page table, accounts and people."""
