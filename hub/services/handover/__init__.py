"""Hand-over to hard collection (docs/handover.md): cases, the creditor's approval, the case
file produced at the hand-over, and the collection company's queue."""
