"""Posts of the demo persona (written for ContentTwin; free to ship): a bootstrapped founder on
LinkedIn. (text, days ago, impressions, likes, comments, reposts)."""

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
