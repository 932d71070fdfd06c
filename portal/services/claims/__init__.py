"""What the creditor may claim beyond the principal: late-payment penalties, reference rates, limitation periods."""
