//! YAML text → a tree of values with their line:column, and the index of where each key and list
//! item starts.
//!
//! yaml-rust2's parser is pulled one event at a time and the open mappings and lists are a stack
//! on the heap, so no nesting can overflow the call stack; every limit of [`crate::spec::limits`]
//! is checked as the events arrive, so nothing grows past one before it is refused. Lines are the
//! parser's (`\n`, `\r\n` and `\r` end a line, as in an editor); columns are characters, with the
//! byte-order marks [`crate::spec::source`] removed counted back in.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use crate::diagnostic::{Code, Diagnostic, Diagnostics, FieldPath, Location, Segment};
use crate::spec::limits::{
    self, MAX_DEPTH, MAX_ENTRIES, MAX_KEY_BYTES, MAX_SCALAR_BYTES, MAX_VALUES,
};
use crate::spec::source::Source;

pub type NodeId = usize;

/// One value of the document.
#[derive(Debug)]
pub struct Node {
    pub location: Location,
    pub kind: Kind,
}

#[derive(Debug)]
pub enum Kind {
    /// A scalar; `plain` when written without quotes or `|`/`>` (only a plain scalar can be a
    /// number, a boolean or null).
    Scalar { value: String, plain: bool },
    /// A list's items.
    Seq(Vec<NodeId>),
    /// A mapping's keys and values, in the order written.
    Map(Vec<(NodeId, NodeId)>),
    /// `*alias`: the anchored value it stands for.
    Alias(NodeId),
}

/// The spec's document: every value, and the top-level one.
#[derive(Debug)]
pub struct Tree {
    nodes: Vec<Node>,
    pub root: NodeId,
}

impl Tree {
    /// The value `id` stands for, through an alias.
    pub fn get(&self, id: NodeId) -> &Node {
        let node = &self.nodes[id];
        match node.kind {
            // An alias names an anchored value, never another alias.
            Kind::Alias(target) => &self.nodes[target],
            _ => node,
        }
    }

    /// The only key of the mapping at `path`, when it has exactly one: the name of an enum
    /// variant written `{ s3: { … } }`, which serde_ignored's paths leave out.
    pub fn only_key(&self, path: &FieldPath) -> Option<String> {
        let scalar = |id: NodeId| match &self.get(id).kind {
            Kind::Scalar { value, .. } => Some(value.as_str()),
            _ => None,
        };
        let mut node = self.root;
        for s in path.segments() {
            node = match (s, &self.get(node).kind) {
                (Segment::Key(k), Kind::Map(pairs)) => {
                    pairs.iter().find(|(key, _)| scalar(*key) == Some(k))?.1
                }
                (Segment::Index(i), Kind::Seq(items)) => *items.get(*i)?,
                _ => return None,
            };
        }
        match &self.get(node).kind {
            Kind::Map(pairs) if pairs.len() == 1 => scalar(pairs[0].0).map(str::to_owned),
            _ => None,
        }
    }

    /// Whether the document is empty: nothing but, at most, comments.
    pub fn is_empty(&self) -> bool {
        matches!(&self.get(self.root).kind, Kind::Scalar { value, plain: true } if value.is_empty())
    }
}

/// What parsing found: the tree, unless the text is not YAML or is over a limit, and the index.
pub struct Parsed {
    pub tree: Option<Tree>,
    pub index: LocationIndex,
    pub diagnostics: Vec<Diagnostic>,
}

/// Where each key and list item of the YAML file starts: a trie from the top level down, so each
/// key is stored once however deep it is, kept as a list sorted by parent and segment (built
/// without hashing: input cannot make it slow).
#[derive(Debug, Default, Clone)]
pub struct LocationIndex {
    /// (parent entry, segment, entry, location); entry 0 is the top level. In the order written
    /// until [`LocationIndex::finish`] sorts it.
    entries: Vec<(u32, Segment, u32, Location)>,
    last: u32,
    /// Whether a key was given twice: its entries and those under it then merge into the first's.
    merge: bool,
    /// Keys given twice in one mapping: the path, where it first stood, where it stood again.
    pub(crate) duplicates: Vec<(FieldPath, Location, Location)>,
}

impl LocationIndex {
    /// Points every diagnostic that has no location yet at its path, or its closest located ancestor.
    pub fn locate(&self, diagnostics: &mut Diagnostics) {
        for d in diagnostics.iter_mut() {
            if d.location.is_none() {
                d.location = self.find(&d.path);
            }
        }
    }

    /// The location of the path, or of its closest located ancestor.
    pub fn find(&self, path: &FieldPath) -> Option<Location> {
        let mut entry = 0;
        let mut found = None;
        for s in path.segments() {
            match self
                .entries
                .binary_search_by(|(parent, segment, ..)| (*parent, segment).cmp(&(entry, s)))
            {
                Ok(i) => {
                    let (_, _, child, location) = &self.entries[i];
                    entry = *child;
                    found = Some(*location);
                }
                Err(_) => break,
            }
        }
        found
    }

    /// A new entry for `segment` under `parent`.
    fn add(&mut self, parent: u32, segment: Segment, location: Location) -> u32 {
        self.last += 1;
        self.entries.push((parent, segment, self.last, location));
        self.last
    }

    /// Sorts the entries for [`LocationIndex::find`]. A key given twice keeps its first place,
    /// and what is under its second stands under the first, as if the two were one mapping.
    fn finish(&mut self) {
        if self.merge {
            // Parents come before their children, so each parent is merged before its children
            // are looked at.
            let mut canonical: Vec<u32> = (0..=self.last).collect();
            let mut first: std::collections::BTreeMap<(u32, Segment), u32> = Default::default();
            for (parent, segment, entry, _) in &mut self.entries {
                *parent = canonical[*parent as usize];
                match first.entry((*parent, segment.clone())) {
                    std::collections::btree_map::Entry::Occupied(o) => {
                        canonical[*entry as usize] = *o.get();
                    }
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(*entry);
                    }
                }
            }
        }
        // Stable: of two equal entries the first written stays.
        self.entries.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        self.entries
            .dedup_by(|later, kept| later.0 == kept.0 && later.1 == kept.1);
    }
}

/// How a value is named in its parent, without copying the name: the key's node, or the index.
#[derive(Debug, Clone, Copy)]
enum Name {
    Key(NodeId),
    Index(usize),
}

/// How an open mapping or list is named: its place in the index (`None`: not indexed, under a
/// key that is itself a mapping or list) and its name in its parent (`None` at the top level).
#[derive(Debug, Clone, Copy, Default)]
struct Place {
    entry: Option<u32>,
    name: Option<Name>,
}

/// An open mapping or list.
struct Frame {
    node: NodeId,
    map: bool,
    place: Place,
    /// Items, or keys and values one after the other.
    children: Vec<NodeId>,
    /// A mapping's scalar keys, for the keys given twice once it is complete.
    keys: Vec<NodeId>,
    /// The place of the value a mapping's last key waits for.
    pending: Option<Place>,
    /// Values in this collection as written out, itself included; its height so far.
    values: usize,
    height: usize,
    /// Whether an alias may name it once it is complete.
    anchored: bool,
}

/// The size of an anchored value as if written out, for the limits an alias must keep.
#[derive(Clone, Copy)]
struct Extent {
    values: usize,
    height: usize,
}

/// Why parsing stopped early.
enum Stop {
    /// The text is not YAML, or is over a limit: no tree.
    Fatal(Diagnostic),
}

struct Builder<'s> {
    source: &'s Source<'s>,
    nodes: Vec<Node>,
    stack: Vec<Frame>,
    root: Option<NodeId>,
    index: LocationIndex,
    diagnostics: Vec<Diagnostic>,
    /// yaml-rust2's anchor ids → the anchored node, and (once closed) its extent.
    anchors: HashMap<usize, NodeId>,
    extents: HashMap<NodeId, Extent>,
    /// Values so far, aliases written out.
    values: usize,
}

/// Parses `source` into a tree within the limits, indexing where each key and item starts.
pub fn parse(source: &Source) -> Parsed {
    let mut b = Builder {
        source,
        nodes: Vec::new(),
        stack: Vec::new(),
        root: None,
        index: LocationIndex::default(),
        diagnostics: Vec::new(),
        anchors: HashMap::new(),
        extents: HashMap::new(),
        values: 0,
    };
    let result = b.run(&source.text);
    b.index.finish();
    match result {
        Ok(()) => {
            let root = match b.root {
                Some(root) => root,
                // No document at all: an empty one.
                None => b.push_node(
                    Location { line: 1, column: 1 },
                    Kind::Scalar {
                        value: String::new(),
                        plain: true,
                    },
                ),
            };
            Parsed {
                tree: Some(Tree {
                    nodes: b.nodes,
                    root,
                }),
                index: b.index,
                diagnostics: b.diagnostics,
            }
        }
        Err(Stop::Fatal(d)) => {
            b.diagnostics.push(d);
            Parsed {
                tree: None,
                index: b.index,
                diagnostics: b.diagnostics,
            }
        }
    }
}

impl Builder<'_> {
    fn location(&self, mark: Marker) -> Location {
        self.source.location(mark.line(), mark.col())
    }

    fn run(&mut self, text: &str) -> Result<(), Stop> {
        let mut parser = Parser::new_from_str(text);
        // The document being read: 1 for the spec's; a later one must be empty.
        let mut document = 0;
        let mut later: Option<Location> = None;
        loop {
            let (event, mark) = parser
                .next_token()
                .map_err(|e| Stop::Fatal(self.syntax_error(&e)))?;
            let location = self.location(mark);
            match event {
                Event::StreamEnd => return Ok(()),
                Event::DocumentStart => {
                    document += 1;
                    if document > 1 {
                        later = Some(location);
                    }
                }
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                _ if document > 1 => {
                    // A later document that is empty (`---` at the end, perhaps with comments)
                    // is nothing; one with content is a second spec in the same file.
                    if let Event::Scalar(value, TScalarStyle::Plain, 0, None) = &event {
                        if value.is_empty() {
                            continue;
                        }
                    }
                    let at = later.unwrap_or(location);
                    let mut d = Diagnostic::error(
                        Code::MultipleDocuments,
                        FieldPath::root(),
                        format!(
                            "a second YAML document starts at line {}; a spec file holds one",
                            at.line
                        ),
                    )
                    .with_help(
                        "remove the `---` line and what follows it, or give each spec a file of its own",
                    );
                    d.location = Some(at);
                    self.diagnostics.push(d);
                    return Ok(());
                }
                Event::Scalar(value, style, anchor, tag) => {
                    self.scalar(value, style, anchor, tag, location)?
                }
                Event::SequenceStart(anchor, tag) => self.open(false, anchor, tag, location)?,
                Event::MappingStart(anchor, tag) => self.open(true, anchor, tag, location)?,
                Event::SequenceEnd | Event::MappingEnd => self.close(),
                Event::Alias(anchor) => self.alias(anchor, location)?,
            }
        }
    }

    fn push_node(&mut self, location: Location, kind: Kind) -> NodeId {
        self.nodes.push(Node { location, kind });
        self.nodes.len() - 1
    }

    fn segment(&self, name: Name) -> Segment {
        match name {
            Name::Key(node) => Segment::Key(match &self.nodes[node].kind {
                Kind::Scalar { value, .. } => value.clone(),
                _ => String::new(),
            }),
            Name::Index(i) => Segment::Index(i),
        }
    }

    /// The path of the open collections, and `last` under them, for messages (built only for
    /// one: every key's would cost its depth).
    fn path(&self, last: Option<Name>) -> FieldPath {
        let segments = self
            .stack
            .iter()
            .filter_map(|f| f.place.name)
            .chain(last)
            .map(|name| self.segment(name))
            .collect();
        FieldPath::from_segments(segments)
    }

    fn limit(&self, path: FieldPath, location: Location, message: String, help: &str) -> Stop {
        let mut d = Diagnostic::error(Code::SpecLimit, path, message).with_help(help);
        d.location = Some(location);
        Stop::Fatal(d)
    }

    /// Counts `n` more values toward [`MAX_VALUES`].
    fn count(&mut self, n: usize, location: Location) -> Result<(), Stop> {
        self.values = self.values.saturating_add(n);
        if self.values > MAX_VALUES {
            return Err(self.limit(
                self.path(None),
                location,
                format!(
                    "the spec has more than {} values (keys, scalars, mappings and lists, with what each alias stands for written out)",
                    limits::thousands(MAX_VALUES)
                ),
                "a real spec has a few thousand; look for a value repeated by aliases or a pasted data file",
            ));
        }
        Ok(())
    }

    /// Where the value starting now goes, and whether it is a mapping key: takes the pending key
    /// of the enclosing mapping, or the next slot of the enclosing list (indexing it there).
    fn place(&mut self, location: Location) -> Result<(Place, bool), Stop> {
        let Some(frame) = self.stack.last_mut() else {
            return Ok((
                Place {
                    entry: Some(0),
                    name: None,
                },
                false,
            ));
        };
        let n = frame.children.len();
        if frame.map {
            // Keys and values alternate; a key that is not a scalar leaves no place pending.
            if n % 2 == 1 {
                return Ok((frame.pending.take().unwrap_or_default(), false));
            }
            if n / 2 >= MAX_ENTRIES {
                return Err(self.too_many(location));
            }
            return Ok((Place::default(), true));
        }
        if n >= MAX_ENTRIES {
            return Err(self.too_many(location));
        }
        let entry = frame
            .place
            .entry
            .map(|parent| self.index.add(parent, Segment::Index(n), location));
        Ok((
            Place {
                entry,
                name: Some(Name::Index(n)),
            },
            false,
        ))
    }

    fn too_many(&self, location: Location) -> Stop {
        let what = match self.stack.last() {
            Some(f) if f.map => "mapping",
            _ => "list",
        };
        self.limit(
            self.path(None),
            location,
            format!(
                "this {what} has more than {} entries",
                limits::thousands(MAX_ENTRIES)
            ),
            "a real spec has at most a few hundred in one place; look for a pasted data file",
        )
    }

    /// Adds a finished value to the enclosing collection (or makes it the document), with the
    /// values and height it adds.
    fn attach(&mut self, node: NodeId, values: usize, height: usize) {
        match self.stack.last_mut() {
            Some(frame) => {
                frame.children.push(node);
                frame.values = frame.values.saturating_add(values);
                frame.height = frame.height.max(height);
            }
            None => self.root = Some(node),
        }
    }

    /// A tag is reported, and the value read as if it had none.
    fn tag(&mut self, tag: Option<Tag>, location: Location, place: Place, key: bool) {
        let Some(tag) = tag else { return };
        let path = if key {
            self.path(None)
        } else {
            self.path(place.name)
        };
        let (message, help) = tag_message(&tag);
        let mut d = Diagnostic::error(Code::YamlTag, path, message).with_help(help);
        d.location = Some(location);
        self.diagnostics.push(d);
    }

    fn scalar(
        &mut self,
        value: String,
        style: TScalarStyle,
        anchor: usize,
        tag: Option<Tag>,
        location: Location,
    ) -> Result<(), Stop> {
        let (place, key) = self.place(location)?;
        self.count(1, location)?;
        if key && value.len() > MAX_KEY_BYTES {
            return Err(self.limit(
                self.path(None),
                location,
                format!(
                    "a key here has {}; a key has at most {}",
                    limits::bytes(value.len()),
                    limits::bytes(MAX_KEY_BYTES)
                ),
                "names in App Mesh have at most 255 characters: shorten the key",
            ));
        }
        if !key && value.len() > MAX_SCALAR_BYTES {
            return Err(self.limit(
                self.path(place.name),
                location,
                format!(
                    "this value has {}; a value has at most {}",
                    limits::bytes(value.len()),
                    limits::bytes(MAX_SCALAR_BYTES)
                ),
                "the longest string App Mesh takes is 1,000 characters: shorten it, or refer to a file instead",
            ));
        }
        self.tag(tag, location, place, key);
        let segment = key.then(|| Segment::Key(value.clone()));
        let node = self.push_node(
            location,
            Kind::Scalar {
                value,
                plain: style == TScalarStyle::Plain,
            },
        );
        if let Some(segment) = segment {
            self.key(node, segment, location);
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node);
            self.extents.insert(
                node,
                Extent {
                    values: 1,
                    height: 0,
                },
            );
        }
        self.attach(node, 1, 0);
        Ok(())
    }

    /// A scalar key of the innermost mapping: indexed, and pending for its value.
    fn key(&mut self, node: NodeId, segment: Segment, location: Location) {
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        frame.keys.push(node);
        let entry = frame
            .place
            .entry
            .map(|parent| self.index.add(parent, segment, location));
        frame.pending = Some(Place {
            entry,
            name: Some(Name::Key(node)),
        });
    }

    fn open(
        &mut self,
        map: bool,
        anchor: usize,
        tag: Option<Tag>,
        location: Location,
    ) -> Result<(), Stop> {
        let (place, key) = self.place(location)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.too_deep(place, location));
        }
        self.count(1, location)?;
        self.tag(tag, location, place, key);
        let node = self.push_node(
            location,
            if map {
                Kind::Map(Vec::new())
            } else {
                Kind::Seq(Vec::new())
            },
        );
        if anchor != 0 {
            self.anchors.insert(anchor, node);
        }
        // A mapping or list used as a key names nothing: what is under it is not indexed, and
        // the value after it gets no place (see `place`).
        self.stack.push(Frame {
            node,
            map,
            place,
            children: Vec::new(),
            keys: Vec::new(),
            pending: None,
            values: 1,
            height: 0,
            anchored: anchor != 0,
        });
        Ok(())
    }

    fn too_deep(&self, place: Place, location: Location) -> Stop {
        self.limit(
            self.path(place.name),
            location,
            format!("mappings and lists nest more than {MAX_DEPTH} levels deep here"),
            "the spec's own shape nests about a dozen levels: look for a runaway indentation or `- - -`",
        )
    }

    /// The keys of the innermost mapping given twice, found by sorting them (no hashing, so no
    /// input can make it slow).
    fn duplicates(&mut self) {
        let Some(frame) = self.stack.last() else {
            return;
        };
        if frame.keys.len() < 2 {
            return;
        }
        let text = |node: NodeId| match &self.nodes[node].kind {
            Kind::Scalar { value, .. } => value.as_str(),
            _ => "",
        };
        // By text, then as written: the first of each run is where the key first stood.
        let mut keys: Vec<(&str, NodeId)> = frame.keys.iter().map(|&n| (text(n), n)).collect();
        keys.sort_unstable();
        let mut found = Vec::new();
        let mut first = 0;
        for i in 1..keys.len() {
            if keys[i].0 == keys[first].0 {
                found.push((keys[first].1, keys[i].1));
            } else {
                first = i;
            }
        }
        for (first, again) in found {
            let path = self.path(Some(Name::Key(again)));
            let (first, again) = (self.nodes[first].location, self.nodes[again].location);
            self.index.duplicates.push((path, first, again));
            self.index.merge = true;
        }
    }

    fn close(&mut self) {
        self.duplicates();
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let height = frame.height + 1;
        let values = frame.values;
        let kind = if frame.map {
            let mut pairs = Vec::with_capacity(frame.children.len() / 2);
            let mut it = frame.children.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            Kind::Map(pairs)
        } else {
            Kind::Seq(frame.children)
        };
        // A block mapping's event is marked at its first key's `:`; it starts at the key.
        let start = match &kind {
            Kind::Map(pairs) => pairs.first().map(|&(k, _)| self.nodes[k].location),
            _ => None,
        };
        let node = &mut self.nodes[frame.node];
        node.kind = kind;
        if let Some(key) = start {
            node.location = node.location.min(key);
        }
        if frame.anchored {
            self.extents.insert(frame.node, Extent { values, height });
        }
        self.attach(frame.node, values, height);
    }

    fn alias(&mut self, anchor: usize, location: Location) -> Result<(), Stop> {
        let (place, _) = self.place(location)?;
        let target = self.anchors.get(&anchor).copied();
        let Some((target, extent)) = target.and_then(|t| Some((t, *self.extents.get(&t)?))) else {
            // The parser refuses an unknown anchor; an alias inside the value it names would
            // make that value infinite.
            let mut d = Diagnostic::error(
                Code::InvalidYaml,
                self.path(place.name),
                "this alias stands for a mapping or list that contains it",
            )
            .with_help("an alias can only repeat a value that is complete where the alias stands");
            d.location = Some(location);
            return Err(Stop::Fatal(d));
        };
        if self.stack.len() + extent.height > MAX_DEPTH {
            return Err(self.too_deep(place, location));
        }
        self.count(extent.values, location)?;
        let node = self.push_node(location, Kind::Alias(target));
        self.attach(node, extent.values, extent.height);
        Ok(())
    }

    fn syntax_error(&self, e: &ScanError) -> Diagnostic {
        let info = e.info();
        let location = self.location(*e.marker());
        if info == "recursion limit exceeded" {
            // The scanner reads ahead through flow collections (`[[[[...`) and stops, past our
            // own limit, before the parser reports the level that crosses it.
            let Stop::Fatal(d) = self.too_deep(Place::default(), location);
            return d;
        }
        let help = if info.contains("tab") {
            "indent with spaces: YAML does not allow tabs in indentation"
        } else if info.contains("mapping values are not allowed") {
            "a `:` followed by a space inside a plain value: quote the value, or put the mapping on its own indented line"
        } else if info.contains("unknown anchor") {
            "define the anchor (`&name`) before the alias (`*name`) that repeats it"
        } else {
            "fix the YAML here (indentation, quotes, brackets); the mistake may be a line or two above"
        };
        let mut d = Diagnostic::error(Code::InvalidYaml, FieldPath::root(), info.to_owned())
            .with_help(help);
        d.location = Some(location);
        d
    }
}

/// CloudFormation's intrinsic functions, which YAML templates write as tags.
const CLOUDFORMATION_TAGS: &[&str] = &[
    "And",
    "Base64",
    "Cidr",
    "Condition",
    "Equals",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Ref",
    "Select",
    "Split",
    "Sub",
    "Transform",
];

/// The message and help for a value tagged `tag`.
fn tag_message(tag: &Tag) -> (String, &'static str) {
    let core = tag.handle == "tag:yaml.org,2002:";
    let written = if core {
        format!("!!{}", tag.suffix)
    } else if tag.handle == "!" {
        format!("!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    };
    if tag.handle == "!" && CLOUDFORMATION_TAGS.contains(&tag.suffix.as_str()) {
        (
            format!("`{written}` is a CloudFormation function: a meshsynth spec is not a CloudFormation template"),
            "write the value itself (a name, a number); meshsynth writes the references between the resources it generates",
        )
    } else if core {
        (
            format!("the YAML tag `{written}` is not supported"),
            "remove the tag; quote a value to make it a string, e.g. `\"80\"`",
        )
    } else {
        (
            format!("the YAML tag `{written}` is not supported"),
            "remove the tag and write the value itself",
        )
    }
}
