import type { VikaSeed } from "@bikavika/emulator";

export const SPACE = "spcCliTest01";
export const BOOKS = "dstCliBooks000001";
export const AUTHORS = "dstCliAuthors0001";
export const ADA = "1000000000000000011";
export const BO = "1000000000000000012";

/** A space with an empty datasheet holding a field of every writable type (and a formula), and one it links to. */
export const seed: VikaSeed = {
  api: "vika",
  user: { name: "Test User" },
  spaces: [
    {
      id: SPACE,
      name: "CLI tests",
      isAdmin: true,
      members: [
        { unitId: ADA, name: "Ada", type: "PrimaryAdmin" },
        { unitId: BO, name: "Bo", type: "Member" },
      ],
      nodes: [
        {
          id: AUTHORS,
          name: "Authors",
          type: "Datasheet",
          fields: [{ name: "Name", type: "SingleText" }],
          records: [
            { id: "recAuthorUrsula01", fields: { Name: "Ursula" } },
            { id: "recAuthorStanis01", fields: { Name: "Stanisław" } },
          ],
        },
        {
          id: BOOKS,
          name: "Books",
          type: "Datasheet",
          fields: [
            { id: "fldTitle", name: "Title", type: "SingleText" },
            { id: "fldNotes", name: "Notes", type: "Text" },
            { id: "fldGenre", name: "Genre", type: "SingleSelect", property: { options: [{ name: "Novel" }, { name: "Poetry" }] } },
            { id: "fldTags", name: "Tags", type: "MultiSelect", property: { options: [{ name: "Classic" }, { name: "New" }] } },
            { id: "fldPages", name: "Pages", type: "Number", property: { precision: 0 } },
            { id: "fldPrice", name: "Price", type: "Currency", property: { precision: 2, symbol: "$" } },
            { id: "fldShare", name: "Share", type: "Percent", property: { precision: 1 } },
            { id: "fldPublished", name: "Published", type: "DateTime", property: { dateFormat: "YYYY-MM-DD", includeTime: true } },
            { id: "fldRead", name: "Read", type: "Checkbox", property: { icon: "white_check_mark" } },
            { id: "fldStars", name: "Stars", type: "Rating", property: { icon: "star", max: 5 } },
            { id: "fldSite", name: "Site", type: "URL" },
            { id: "fldContact", name: "Contact", type: "Email" },
            { id: "fldPhone", name: "Phone", type: "Phone" },
            { id: "fldOwners", name: "Owners", type: "Member", property: { isMulti: true } },
            { id: "fldAuthor", name: "Author", type: "OneWayLink", property: { foreignDatasheetId: AUTHORS } },
            { id: "fldCover", name: "Cover", type: "Attachment" },
            { id: "fldShelf", name: "书架", type: "SingleText" },
            { id: "fldSummary", name: "Summary", type: "Formula", property: { expression: 'CONCATENATE({Title}, "!")' } },
          ],
          records: [],
        },
      ],
    },
  ],
};
