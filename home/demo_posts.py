"""Posts of the demo persona (written for ContentTwin; free to ship).

A bootstrapped founder on LinkedIn. (text, days ago, impressions, likes, comments, reposts)."""

DEMO_POSTS: list[tuple[str, int, int, int, int, int]] = [
    (
        "I fired my best client last year.\n\nIt was 40% of our revenue and 80% of our stress.\n\n"
        "Six months later:\n- revenue is back, from five smaller clients\n- the team takes "
        'weekends again\n- we finally shipped the product we had "no time" for\n\n'
        "Would you have done it?",
        12,
        18400,
        412,
        96,
        31,
    ),
    (
        "Hiring lesson nobody told me: the best engineers I know write clearly.\n\nClear writing "
        "is clear thinking. Clear thinking ships.\n\nWe now start every interview with a "
        "one-page written exercise. It predicts more than any whiteboard ever did.",
        19,
        9200,
        188,
        41,
        12,
    ),
    (
        "Three things I wish I had known before our first price increase:\n\n1. Nobody reads "
        "your pricing page as closely as you do\n2. The customers who complain loudest rarely "
        "leave\n3. Grandfathering is a gift, not an obligation\n\nWe raised prices 30%. Churn "
        "moved by 1%.",
        26,
        14100,
        301,
        77,
        25,
    ),
    (
        "Unpopular opinion: meetings are not the problem.\n\nMeetings without a written "
        "decision are.\n\nOur rule since 2022: every meeting ends with one sentence in the "
        "channel — what we decided, who owns it, by when. Half our meetings disappeared on "
        "their own.",
        33,
        22800,
        530,
        143,
        48,
    ),
    (
        "We almost shut the company down in 2021.\n\nWhat saved us was not a pivot. It was a "
        "boring spreadsheet of every customer conversation we'd had, sorted by how much each "
        "problem cost them.\n\nThe answer had been in our calls all along.",
        41,
        31500,
        702,
        158,
        66,
    ),
    (
        "A small thing that changed our support: we reply to every bug report with the exact "
        "date we'll look at it.\n\nNot a fix date. A look date.\n\nCustomers forgive slow fixes. "
        "They don't forgive silence.",
        48,
        7600,
        121,
        19,
        6,
    ),
    (
        "Bootstrapping taught me to love constraints.\n\nNo budget for ads meant we wrote. No "
        "sales team meant the product had to explain itself. No office meant we hired the best "
        "people wherever they lived.\n\nEvery 'no' became a design decision.",
        55,
        11900,
        243,
        38,
        17,
    ),
    (
        "Our onboarding had a 40% drop-off at step 3.\n\nWe spent two weeks redesigning it. "
        "Drop-off stayed at 40%.\n\nThen we asked five users to share their screen. Step 3 "
        "asked for a number they didn't have yet.\n\nWe moved one field. Drop-off: 12%.",
        62,
        16700,
        366,
        84,
        29,
    ),
    (
        "If you're a first-time founder, write a weekly update to yourself.\n\nWhat shipped. What "
        "slipped. What scared me.\n\nReading last year's notes is the best therapy and the best "
        "strategy document I own.",
        70,
        5400,
        97,
        22,
        4,
    ),
    (
        'The question I ask every candidate now: "Tell me about a time you changed your mind."'
        "\n\nPeople who can't answer it are hard to work with. People who answer it well are "
        "usually the ones who make everyone around them better.",
        77,
        8800,
        164,
        57,
        9,
    ),
    (
        "We turned down a €2M investment this spring.\n\nNot because the terms were bad. Because "
        "we'd have had to grow in a way our customers didn't need.\n\nGrowth you can't serve "
        "well is just a slower way to fail.",
        85,
        26300,
        611,
        189,
        52,
    ),
    (
        "Documentation is a product. Treat it like one.\n\nWe gave our docs a roadmap, an owner "
        "and a feedback button. Support tickets fell by a third within a quarter.",
        93,
        4900,
        73,
        11,
        5,
    ),
]

# More of the same creator's posts, so the demo has enough for pillars (20+), an engagement
# model and best posting times. The demo seeds DEMO_POSTS + MORE_DEMO_POSTS; tests that build a
# persona "like the demo" keep the twelve above.
MORE_DEMO_POSTS: list[tuple[str, int, int, int, int, int]] = [
    (
        "We moved every customer to annual billing by default.\n\nMonthly is still there, one "
        "click away. 70% chose annual.\n\nOur cash flow went from a monthly panic to a yearly "
        "plan. Best pricing change we ever made, and it took an afternoon.",
        5,
        21400,
        498,
        121,
        40,
    ),
    (
        "We deleted our cheapest plan.\n\nIt brought 60% of our support tickets and 8% of our "
        "revenue.\n\nSix weeks later: revenue up 11%, tickets down by half. Some customers "
        "left. The right ones stayed.",
        16,
        19800,
        455,
        132,
        37,
    ),
    (
        "Stop pricing on what it costs you to build.\n\nPrice on what it saves your customer. "
        "\n\nOur invoicing tool saves an accountant four hours a month. At their rate, €49 is "
        "a rounding error. We charged €9 for two years because that felt fair to us.",
        30,
        17300,
        389,
        102,
        28,
    ),
    (
        "Discounts are a tax on your best customers.\n\nThe people who pay full price are the "
        "ones who trusted you first. Every 50% coupon tells them they were wrong to.\n\nWe "
        "stopped running sales in 2023. Nobody asked why.",
        44,
        15200,
        327,
        88,
        21,
    ),
    (
        "Free trial or freemium?\n\nWe tried both. Freemium gave us 10x the sign-ups and half "
        "the paying customers.\n\nA 14-day trial with a card up front converts at 38%. The "
        "free plan converted at 2%.",
        58,
        13600,
        276,
        95,
        19,
    ),
    (
        "Our first hire was a generalist, and it was the right call.\n\nIn a team of three, the "
        "person who can answer support, fix the CSS and write the newsletter is worth two "
        "specialists.\n\nHire specialists when the work stops fitting in one head.",
        9,
        8100,
        142,
        36,
        8,
    ),
    (
        "We pay candidates for take-home tasks.\n\nTwo hours, €150, no exceptions.\n\nIt costs "
        "us less than one bad hire's first week, and the candidates who would never do free "
        "work are often the ones we want most.",
        23,
        10400,
        231,
        64,
        14,
    ),
    (
        "A year of the four-day week, in numbers:\n\n- output: the same, by every measure we "
        "track\n- sick days: down 40%\n- people who left: zero\n\nThe hard part was not the "
        "Friday. It was learning to say no on Monday.",
        37,
        12700,
        268,
        73,
        22,
    ),
    (
        "Every new hire gets a 30-day document on day one.\n\nWho to meet, what to read, what "
        "to ship in week two. Written by the last person who joined.\n\nOnboarding used to "
        "take a quarter. Now it takes a month.",
        51,
        7300,
        126,
        27,
        6,
    ),
    (
        "Letting someone go is the hardest thing I do as a founder.\n\nWhat I learnt the hard "
        "way: it should never be a surprise. If the conversation shocks them, I failed months "
        "earlier by not saying it clearly.",
        66,
        9700,
        204,
        71,
        10,
    ),
    (
        "We say no to nine feature requests out of ten.\n\nNot because they are bad. Because "
        "every feature is a promise we keep forever.\n\nWe write back with the reason. Most "
        "customers thank us for the honesty.",
        2,
        11200,
        219,
        58,
        15,
    ),
    (
        "The best product research we do costs nothing: we call customers who cancelled.\n\n"
        "One in three picks up. Half of those tell us something we didn't know.\n\nTwo of our "
        "best features came from people who had already left.",
        20,
        14800,
        301,
        79,
        24,
    ),
    (
        "We ship small changes every day, Fridays included.\n\nThe fear of Friday deploys is "
        "really a fear of big deploys. Ship small enough and a bad change is a five-minute "
        "rollback, not a lost weekend.",
        34,
        6900,
        118,
        31,
        7,
    ),
    (
        "Our changelog is our best marketing channel.\n\nEvery Thursday we post what shipped, "
        "with the customer who asked for it.\n\nCustomers share it. Prospects read it. It "
        "proves we listen, and it costs us an hour a week.",
        48,
        8600,
        152,
        29,
        11,
    ),
    (
        "I block every morning until 11:00 for deep work.\n\nNo calls, no Slack, no email. The "
        "company survived. My best decisions of the year were made before 11.",
        13,
        6200,
        108,
        24,
        5,
    ),
    (
        "Burnout didn't arrive with a bang.\n\nIt was a year of saying yes to everything, "
        "sleeping six hours and calling it ambition.\n\nWhat got me out: a coach, a calendar "
        "with empty days in it, and a team I finally trusted with the keys.",
        27,
        24100,
        566,
        171,
        44,
    ),
    (
        "I said no to every conference this year.\n\nThe time went into writing: one post a "
        "week, every week.\n\nThe posts brought more customers than three years of "
        "conference booths.",
        41,
        9900,
        187,
        46,
        12,
    ),
    (
        "Write before you build.\n\nEvery feature at our company starts as a one-page memo: the "
        "problem, who has it, what we won't do.\n\nHalf the memos die on the page. That is the "
        "cheapest way to kill a bad idea.",
        72,
        10800,
        213,
        49,
        16,
    ),
]
