export const SPACE = "spcCliBikaSpace0000001";
export const BOOKS = "datCliBooks0000000001";
export const AUTHORS = "datCliAuthors00000001";
export const ADA = "mebCliAda000000000001";
export const BO = "mebCliBo0000000000001";
export const LONG_BOOKS = "viwCliLong00000000001";

/** The Bika counterpart of ./seed.ts: an empty database with a field of every writable type, and one it links to. */
export const bikaSeed = {
  api: "bika",
  user: { id: "usrCliTest00000000001", name: "Test User" },
  spaces: [
    {
      id: SPACE,
      name: "CLI tests",
      members: [
        { id: ADA, name: "Ada" },
        { id: BO, name: "Bo" },
      ],
      nodes: [
        {
          type: "DATABASE",
          id: AUTHORS,
          name: "Authors",
          fields: [{ id: "fldAuthorName00000001", name: "Name", type: "SINGLE_TEXT", primary: true }],
          records: [
            { id: "recAuthorUrsula01", fields: { Name: "Ursula" } },
            { id: "recAuthorStanis01", fields: { Name: "Stanisław" } },
          ],
        },
        {
          type: "DATABASE",
          id: BOOKS,
          name: "Books",
          fields: [
            { id: "fldTitle", name: "Title", type: "SINGLE_TEXT", primary: true },
            { id: "fldNotes", name: "Notes", type: "LONG_TEXT" },
            { id: "fldGenre", name: "Genre", type: "SINGLE_SELECT", property: { options: [{ name: "Novel" }, { name: "Poetry" }, { name: "Essay" }] } },
            { id: "fldTags", name: "Tags", type: "MULTI_SELECT", property: { options: [{ name: "Classic" }, { name: "New" }] } },
            { id: "fldPages", name: "Pages", type: "NUMBER", property: { precision: 0 } },
            { id: "fldPrice", name: "Price", type: "CURRENCY", property: { precision: 2, symbol: "$" } },
            { id: "fldShare", name: "Share", type: "PERCENT", property: { precision: 1 } },
            { id: "fldPublished", name: "Published", type: "DATETIME" },
            { id: "fldRead", name: "Read", type: "CHECKBOX" },
            { id: "fldStars", name: "Stars", type: "RATING", property: { max: 5 } },
            { id: "fldSite", name: "Site", type: "URL" },
            { id: "fldContact", name: "Contact", type: "EMAIL" },
            { id: "fldPhone", name: "Phone", type: "PHONE" },
            { id: "fldOwners", name: "Owners", type: "MEMBER" },
            { id: "fldAuthor", name: "Author", type: "LINK", property: { foreignDatabaseId: AUTHORS } },
            { id: "fldCover", name: "Cover", type: "ATTACHMENT" },
            { id: "fldShelf", name: "书架", type: "SINGLE_TEXT" },
            { id: "fldSummary", name: "Summary", type: "FORMULA", property: { expression: 'CONCATENATE({Title}, "!")' } },
          ],
          views: [
            { id: "viwCliAll000000000001", name: "All" },
            { id: "viwCliLong00000000001", name: "Long books", filter: "Pages>20", sort: [{ field: "Pages", order: "desc" }] },
          ],
          records: [],
        },
      ],
    },
  ],
};
