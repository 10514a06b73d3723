"""What the simulated people write and search for (no Django here: imported before setup)."""

# What people write: words that search finds (see SEARCH_WORDS), markup, links, quotes.
BODIES = [
    "Morning all, the draft contract is in the shared folder.",
    "**Reminder:** the review call moves to Thursday 15:00, same link as last week.",
    "I checked the figures against https://example.com/report/q3 and they match now.",
    "Two things before we sign:\n\n1. the delivery dates in annex B\n2. who pays the freight",
    "Thanks! Looks good to me.",
    "Can someone from finance confirm the `PO-4471` number? The invoice shows a different one.",
    "> the pallets arrive on the 14th\n\nThey told us the 16th on the phone, I'll ask again.",
    "Quick update: legal has no objections, we wait for the client's stamp and then we're done. "
    "I'll post the signed copy here as soon as it arrives, probably tomorrow before noon.",
    "Черновик договора в общей папке, посмотрите до пятницы.",
    "Счёт пришёл, оплату согласуем после приёмки.",
]
SEARCH_WORDS = ["contract", "invoice", "delivery", "review", "freight", "договор", "figures"]
